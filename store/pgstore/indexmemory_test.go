package pgstore_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// An index build raises maintenance_work_mem to what an HNSW graph of a few hundred
// thousand chunks needs, and never lowers an operator's larger setting.
func TestIndexMemoryNeverLowered(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, c := range []struct{ before, want string }{
		{"64MB", "512MB"},
		{"512MB", "512MB"},
		{"3GB", "3GB"},
	} {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "SELECT set_config('maintenance_work_mem', $1, true)", c.before); err != nil {
			t.Fatal(err)
		}
		if err := pgstore.RaiseIndexMemory(ctx, tx); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := tx.QueryRow(ctx, "SHOW maintenance_work_mem").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("maintenance_work_mem %s before the build: %s during it, want %s", c.before, got, c.want)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
