package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/staff/console"
)

const synonymsUsage = "usage: civicbot synonyms list | civicbot synonyms add [--name N] WORD WORD... | civicbot synonyms remove ID|NAME"

// synonyms manages the staff synonym groups from the shell, as the console's Synonyms
// page does: `list` lists every group with its status; `add` drafts a group, checked
// as the console checks it, that an approver approves in the console or through the
// staff API (nobody approves their own draft, and the shell is nobody's account);
// `remove` retires a group, which takes it out of use at once. Each change is in the
// audit log as done by "cli".
func (a *app) synonyms(ctx context.Context, args []string) error {
	if len(args) == 0 || !slices.Contains([]string{"list", "add", "remove"}, args[0]) {
		fmt.Fprintln(a.stderr, synonymsUsage)
		return errors.New("synonyms: want list, add or remove")
	}
	var (
		name *string
		rest []string
	)
	switch args[0] {
	case "list":
		if len(args) > 1 {
			fmt.Fprintln(a.stderr, synonymsUsage)
			return fmt.Errorf("synonyms list: unexpected arguments %q", args[1:])
		}
	case "add":
		fs := newFlags("synonyms add", a.stderr, "[--name N] WORD WORD...")
		name = fs.String("name", "", "the group's name: lower-case letters, digits and hyphens (made up when empty)")
		var err error
		if rest, err = parseInterspersed(fs, args[1:]); err != nil {
			return err
		}
		if len(rest) < 2 {
			fs.Usage()
			return errors.New("synonyms add: give at least two words that mean the same")
		}
	case "remove":
		if len(args) != 2 {
			fmt.Fprintln(a.stderr, synonymsUsage)
			return errors.New("synonyms remove: name one group, by its id or name")
		}
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	all, err := s.StaffSynonyms(ctx)
	if err != nil {
		return err
	}
	auth := staff.NewAuth(s, a.log, nil)
	switch args[0] {
	case "list":
		for _, g := range all {
			fmt.Fprintf(a.stdout, "%s\t%s\t%s\t%s\n", g.ID, g.Name, g.Status, strings.Join(g.Words, " "))
		}
		return nil
	case "add":
		g, err := console.DraftSynonym(all, *name, rest, "cli")
		if err != nil {
			return fmt.Errorf("synonyms add: %w", err)
		}
		if err := s.PutStaffSynonym(ctx, g); err != nil {
			return err
		}
		if err := auth.Audit(ctx, "cli", "synonyms.draft", g.ID, "", nil, g); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "synonyms add: drafted %s (%s): %s; an approver approves it in the console (Synonyms) before search uses it\n",
			g.Name, g.ID, strings.Join(g.Words, " "))
		return nil
	}
	i := slices.IndexFunc(all, func(g retrieval.StaffSynonym) bool { return g.ID == args[1] })
	if i < 0 {
		// By name: the group in use or drafted under it (a retired one keeps its name).
		i = slices.IndexFunc(all, func(g retrieval.StaffSynonym) bool { return g.Name == args[1] && g.Status != retrieval.SynonymRetired })
	}
	if i < 0 {
		return fmt.Errorf("synonyms remove: no staff group %q in use or drafted (civicbot synonyms list)", args[1])
	}
	g := all[i]
	if g.Status == retrieval.SynonymRetired {
		return fmt.Errorf("synonyms remove: %s is already retired", g.Name)
	}
	before := g
	g.Status = retrieval.SynonymRetired
	if err := s.PutStaffSynonym(ctx, g); err != nil {
		return err
	}
	if err := auth.Audit(ctx, "cli", "synonyms.retire", g.ID, "", before, g); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "synonyms remove: retired %s (%s)\n", g.Name, g.ID)
	return nil
}
