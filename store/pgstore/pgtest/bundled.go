package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/opendata"
	"github.com/civicbot/civicbot/ingest/taipei"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/jackc/pgx/v5"
)

// Bundled returns a store on a fresh database holding the bundled open data, with the
// offline embedder. HNSW graphs built by parallel workers differ from load to load, and
// answers that tests pin must not: at this size an ef_search of 1000 makes the dense
// leg as good as exact.
//
// The data is loaded once, into a template database, and every call gets a copy of it
// (CREATE DATABASE ... TEMPLATE, a second or two instead of a load that takes up to two
// minutes under the race detector). The template is named after a hash of the module's
// code and data (every non-test Go file, migration and bundled file, go.mod, go.sum), so
// that it holds what this code loads: every test package and every run of the same code
// shares it, and other code makes its own. Templates unused for a day are dropped.
func Bundled(tb testing.TB) *pgstore.Store {
	tb.Helper()
	ctx := context.Background()
	tplOnce.Do(func() { tpl, tplErr = bundledTemplate(ServerURL(tb)) })
	if tplErr != nil {
		tb.Fatalf("pgtest: bundled data: %v", tplErr)
	}
	s, err := openBundled(ctx, newDatabase(tb, tpl))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	s.EFSearch = 1000
	return s
}

var (
	tplOnce sync.Once
	tpl     string
	tplErr  error
)

func openBundled(ctx context.Context, url string) (*pgstore.Store, error) {
	e := hashembed.New(hashembed.DefaultDim)
	return pgstore.Open(ctx, url, e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
}

// templateTTL is how long an unused template is kept.
const templateTTL = 24 * time.Hour

// templateComment starts a template's comment, followed by when it was last used.
const templateComment = "civicbot test template, last used "

// bundledTemplate returns the name of the template database holding the bundled data
// for this test binary, making it if it does not exist.
func bundledTemplate(admin string) (string, error) {
	ctx := context.Background()
	key, err := sourceHash()
	if err != nil {
		return "", err
	}
	name := "civicbot_bundled_" + key

	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	// One process makes a template; the others with the same binary wait for it.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext($1))`, name); err != nil {
		return "", err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext($1))`, name)

	// Last use, in the comment: templates no run has used for a day go.
	used := time.Now().UTC().Format(time.RFC3339)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		// Built under another name and renamed when complete: a template is whole.
		building := name + "_new"
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{building}.Sanitize()+" WITH (FORCE)"); err != nil {
			return "", err
		}
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{building}.Sanitize()); err != nil {
			return "", err
		}
		if err := loadBundled(ctx, withDatabase(admin, building)); err != nil {
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{building}.Sanitize()+" WITH (FORCE)")
			return "", err
		}
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{building}.Sanitize()+" RENAME TO "+pgx.Identifier{name}.Sanitize()); err != nil {
			return "", err
		}
	}
	if _, err := conn.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{name}.Sanitize()+" IS '"+templateComment+used+"'"); err != nil {
		return "", err
	}
	dropStaleTemplates(ctx, conn, name)
	return name, nil
}

func loadBundled(ctx context.Context, url string) error {
	s, err := openBundled(ctx, url)
	if err != nil {
		return err
	}
	defer s.Close()
	batches, err := opendata.Load(ctx, append(tfda.Formats(), taipei.Formats(time.Now)...), nil)
	if err != nil {
		return err
	}
	if _, err := s.Sync(ctx, batches, ingest.SyncOptions{}); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	return nil
}

// dropStaleTemplates drops the templates of other binaries that no run has used for
// templateTTL. One being copied right now cannot be dropped; it is left for later.
func dropStaleTemplates(ctx context.Context, conn *pgx.Conn, keep string) {
	rows, err := conn.Query(ctx, `SELECT d.datname, coalesce(shobj_description(d.oid, 'pg_database'), '') FROM pg_database d
		WHERE d.datname LIKE 'civicbot\_bundled\_%' AND d.datname NOT LIKE '%\_new' AND d.datname <> $1`, keep)
	if err != nil {
		return
	}
	var stale []string
	var name, comment string
	_, err = pgx.ForEachRow(rows, []any{&name, &comment}, func() error {
		var at time.Time // the zero time, when the comment is not ours: stale
		if used, ok := strings.CutPrefix(comment, templateComment); ok {
			at, _ = time.Parse(time.RFC3339, used)
		}
		if time.Since(at) > templateTTL {
			stale = append(stale, name)
		}
		return nil
	})
	if err != nil {
		return
	}
	for _, n := range stale {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize())
	}
}

// sourceHash hashes what a load of the bundled data depends on: the module's non-test
// Go files, its migrations and bundled data, go.mod and go.sum. Without the module's
// sources at hand (a test binary run elsewhere), the test binary itself.
func sourceHash() (string, error) {
	h := sha256.New()
	root, err := moduleRoot()
	if err != nil {
		exe, err := os.Executable()
		if err != nil {
			return "", err
		}
		f, err := os.Open(exe)
		if err != nil {
			return "", err
		}
		defer f.Close()
		if _, err := io.Copy(h, f); err != nil {
			return "", err
		}
		return hex.EncodeToString(h.Sum(nil))[:16], nil
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		code := strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go")
		data := strings.HasSuffix(rel, ".sql") || rel == "go.mod" || rel == "go.sum" ||
			strings.HasPrefix(filepath.ToSlash(rel), "ingest/opendata/")
		if !code && !data {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// moduleRoot is the directory of the go.mod above the working directory (a test runs
// in its package's directory).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Replicas opens n stores, each with its own pool, on one fresh database, with the
// offline embedder: n replicas of the service, without their HTTP servers.
func Replicas(t testing.TB, n int) []*pgstore.Store {
	t.Helper()
	url := New(t)
	e := hashembed.New(64)
	var out []*pgstore.Store
	for range n {
		s, err := pgstore.Open(context.Background(), url, e, pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		out = append(out, s)
	}
	return out
}
