package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// MigrateTo applies the migrations up to version v, for tests of a migration.
func MigrateTo(ctx context.Context, url string, v int64) error {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return err
	}
	db := stdlib.OpenDB(*cfg.ConnConfig)
	defer db.Close()
	p, err := provider(db)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, v)
	return err
}

// SetSyncBatch makes s's syncs hold n records and n documents at a time.
func SetSyncBatch(s *Store, n int) { s.syncBatch = n }

// RaiseIndexMemory is raiseIndexMemory, for its test.
var RaiseIndexMemory = raiseIndexMemory
