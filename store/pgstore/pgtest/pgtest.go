// Package pgtest gives tests a fresh, migrated database on a real PostgreSQL server
// with pgvector.
//
// The server comes from CIVICBOT_TEST_DATABASE_URL (default: postgres://postgres@127.0.0.1:5432/postgres).
// Without a server the tests skip, except when CI=true, where a missing database fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server used when CIVICBOT_TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	once   sync.Once
	server string
	reason string
)

// ServerURL returns the admin URL of the test server, or skips (fails under CI) when
// no server with pgvector is reachable.
func ServerURL(tb testing.TB) string {
	tb.Helper()
	once.Do(func() {
		u := os.Getenv("CIVICBOT_TEST_DATABASE_URL")
		if u == "" {
			u = DefaultURL
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			reason = "no PostgreSQL for tests (" + err.Error() + "); run .ci/setup-postgres or set CIVICBOT_TEST_DATABASE_URL"
			return
		}
		defer conn.Close(ctx)
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector')`).Scan(&ok); err != nil || !ok {
			reason = "PostgreSQL has no pgvector extension; run .ci/setup-postgres"
			return
		}
		server = u
	})
	if server == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("pgtest: %s (CI=true: a missing database is a failure)", reason)
		}
		tb.Skipf("pgtest: %s", reason)
	}
	return server
}

// New creates an empty database for one test and drops it when the test ends. It
// returns the database's URL; the caller opens the store (which migrates).
func New(tb testing.TB) string {
	tb.Helper()
	return newDatabase(tb, "")
}

// newDatabase creates a database for one test, a copy of template if one is named,
// and drops it when the test ends.
func newDatabase(tb testing.TB, template string) string {
	tb.Helper()
	admin := ServerURL(tb)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "civicbot_test_" + hex.EncodeToString(b)
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		create += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if _, err := conn.Exec(ctx, create); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			tb.Errorf("pgtest: drop database: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database: %v", err)
		}
	})
	return withDatabase(admin, name)
}

func withDatabase(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		// A keyword/value DSN: append the database name.
		return admin + " dbname=" + name
	}
	u.Path = "/" + name
	return u.String()
}
