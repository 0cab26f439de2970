package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/civicbot/civicbot/store/memstore"
)

// backupTimeout bounds a backup taken through the running server.
const backupTimeout = 30 * time.Minute

// backup writes a consistent copy of the embedded store to FILE. With no server
// holding the store the copy is taken here; while `civicbot serve` holds it, the copy
// comes from the server's staff API (GET /api/v1/admin/backup, admin role) with the
// token in CIVICBOT_TOKEN. The file is written beside FILE and renamed into place
// once complete, so FILE is never half a backup. PostgreSQL is backed up with pg_dump.
func (a *app) backup(ctx context.Context, args []string) error {
	fs := newFlags("backup", a.stderr, "FILE")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("backup: want one FILE")
	}
	if a.cfg.DatabaseURL != "" {
		return errors.New("backup: DATABASE_URL is set: back PostgreSQL up with pg_dump --format=custom and restore with pg_restore (README.md, Backups)")
	}
	file := pos[0]
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, how, err := a.backupTo(ctx, tmp)
	if err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(a.stdout, "backup: %s written (%d bytes, %s); restore: put it as %s in an empty CIVICBOT_DATA_DIR\n", file, n, how, memstore.FileName)
	return nil
}

// backupTo copies the store into w, from the store itself or through the server.
func (a *app) backupTo(ctx context.Context, w io.Writer) (int64, string, error) {
	s, err := a.openStore(ctx)
	if errors.Is(err, memstore.ErrLocked) {
		token := a.getenv("CIVICBOT_TOKEN")
		if token == "" {
			return 0, "", fmt.Errorf("backup: %w; while it serves, set CIVICBOT_TOKEN to an admin token (civicbot token create --name backup --role admin) and the copy is taken through the server at CIVICBOT_ADDR", err)
		}
		n, err := a.backupFromServer(ctx, token, w)
		return n, "through the running server", err
	}
	if err != nil {
		return 0, "", err
	}
	defer s.Close()
	b, ok := s.(interface {
		Backup(ctx context.Context, w io.Writer) (int64, error)
	})
	if !ok {
		return 0, "", errors.New("backup: this store has no online backup")
	}
	n, err := b.Backup(ctx, w)
	return n, "from the store", err
}

func (a *app) backupFromServer(ctx context.Context, token string, w io.Writer) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, backupTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, serverURL(a.cfg.Addr)+"/api/v1/admin/backup", nil)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("backup: the store is held by another process, and the server at %s does not answer: %w", a.cfg.Addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return 0, fmt.Errorf("backup: the server at %s answered %s: %s", a.cfg.Addr, resp.Status, oneLine(string(msg)))
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("backup: copy from the server: %w", err)
	}
	return n, nil
}

// serverURL is the base URL of a server listening on addr, as this machine reaches it.
func serverURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
