package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/staff/console"
)

// staff manages staff accounts from the shell: `civicbot staff add EMAIL --role ROLE`
// prints a one-time sign-in link (valid 24 hours) where the person sets a password;
// `civicbot staff list` lists the accounts.
func (a *app) staff(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "list") {
		fmt.Fprintln(a.stderr, "usage: civicbot staff add EMAIL --role viewer|editor|approver|admin | civicbot staff list")
		return errors.New("staff: want add or list")
	}
	if args[0] == "list" {
		s, err := a.openStore(ctx)
		if err != nil {
			return err
		}
		defer s.Close()
		accs, err := s.Accounts(ctx)
		if err != nil {
			return err
		}
		for _, acc := range accs {
			state := "active"
			if acc.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(a.stdout, "%s\t%s\t%s\n", acc.Email, acc.Role, state)
		}
		return nil
	}
	fs := newFlags("staff add", a.stderr, "EMAIL --role viewer|editor|approver|admin")
	roleName := fs.String("role", "", "the member's role: viewer, editor, approver or admin")
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return errors.New("staff add: want one e-mail address")
	}
	role, err := staff.ParseRole(*roleName)
	if err != nil {
		return fmt.Errorf("staff add: --role: %w", err)
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	secret, acc, err := staff.NewAuth(s, a.log, nil).Invite(ctx, rest[0], role, "cli", "")
	if err != nil {
		return fmt.Errorf("staff add: %w", err)
	}
	fmt.Fprintf(a.stdout, "staff add: %s is %s; send them this one-time sign-in link (valid 24 hours):\n%s\n", acc.Email, acc.Role, console.LinkURL(a.publicBase(), secret))
	return nil
}

// token manages staff API tokens: `civicbot token create --name N --role ROLE
// [--expires 90d]` prints the token once, alone on the last line.
func (a *app) token(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(a.stderr, "usage: civicbot token create --name N --role viewer|editor|approver|admin [--expires 90d]")
		return errors.New("token: want create")
	}
	fs := newFlags("token create", a.stderr, "--name N --role ROLE [--expires 90d]")
	name := fs.String("name", "", "what the token is for (shown in the console and the audit log)")
	roleName := fs.String("role", "", "the token's role: viewer, editor, approver or admin")
	expires := fs.String("expires", "90d", "how long the token is valid, at most 1095d")
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		fs.Usage()
		return fmt.Errorf("token create: unexpected arguments %q", rest)
	}
	if strings.TrimSpace(*name) == "" {
		return errors.New("token create: --name is required")
	}
	role, err := staff.ParseRole(*roleName)
	if err != nil {
		return fmt.Errorf("token create: --role: %w", err)
	}
	ttl, err := parseDays("--expires", *expires)
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	secret, c, err := staff.NewAuth(s, a.log, nil).CreateToken(ctx, strings.TrimSpace(*name), role, ttl, "cli", "")
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	fmt.Fprintf(a.stdout, "token create: %q (%s) expires %s; it is shown only now:\n%s\n", c.Name, c.Role, c.ExpiresAt.Format("2006-01-02"), secret)
	return nil
}

// publicBase is where people reach this server, for links printed in the shell.
func (a *app) publicBase() string {
	host, port, err := net.SplitHostPort(a.cfg.Addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
