package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Bulk loads into an indexed table: inserting row by row into an HNSW index costs
// milliseconds a row, and deleting rows leaves the graph full of dead nodes that a
// search must step over (after a churn a search found fewer of the nearest passages
// until the index was rebuilt). A sync that replaces a large share of the chunks
// builds a new table instead, with fresh indexes.
const (
	bulkMinChunks = 2000 // at least this many chunks written or deleted,
	bulkShare     = 0.2  // and at least this share of the chunks stored before the run
)

// bulkLoad reports whether a run that deleted deleted of the before chunks stored at
// its start and writes n new ones is better written to a new table whose indexes are
// built after the load.
func bulkLoad(ctx context.Context, tx pgx.Tx, before, deleted, n int) (bool, error) {
	churn := n + deleted
	if churn < bulkMinChunks || float64(churn) < bulkShare*float64(before) {
		return false, nil
	}
	// Without the vector index (the first load) the plain path builds it after the load.
	var indexed bool
	const q = `SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'chunks' AND indexname = 'chunks_embedding')`
	if err := tx.QueryRow(ctx, q).Scan(&indexed); err != nil {
		return false, fmt.Errorf("pgstore: chunks: %w", err)
	}
	return indexed, nil
}

// swapChunks copies the chunks that stay into a new table, lets load add the new ones,
// and builds the indexes; the pendingSwap it returns puts the new table in place of the
// old as the run's last step. Readers go on using the old table and its indexes until
// the transaction commits; the exclusive lock that the swap needs is taken only then.
//
// The migrations alone define the chunks table: the new table is made from the live
// one's catalog entries (columns with their defaults, identity, storage, statistics
// targets and checks; then its indexes, constraints, triggers, comments, storage
// parameters and grants, built after the load), so that what a later migration adds
// survives the next bulk load. Chunk ids are kept. Row-level security policies and
// rules are not carried over: a table that has them is refused rather than copied
// without them.
func swapChunks(ctx context.Context, tx pgx.Tx, load func(table string) error) (*pendingSwap, error) {
	var refuse string
	const check = `SELECT concat_ws(', ',
			CASE WHEN c.relrowsecurity THEN 'row-level security' END,
			CASE WHEN EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = c.oid) THEN 'policies' END,
			CASE WHEN EXISTS (SELECT 1 FROM pg_rewrite WHERE ev_class = c.oid AND rulename <> '_RETURN') THEN 'rules' END)
		FROM pg_class c WHERE c.oid = 'chunks'::regclass`
	if err := tx.QueryRow(ctx, check).Scan(&refuse); err != nil {
		return nil, fmt.Errorf("pgstore: chunks definition: %w", err)
	}
	if refuse != "" {
		return nil, fmt.Errorf("pgstore: the chunks table has %s, which a bulk load cannot carry over to a new table", refuse)
	}
	// Read what to replay before chunks_next exists, so that the queries see only chunks.
	after, err := replayStatements(ctx, tx)
	if err != nil {
		return nil, err
	}
	cols, err := copiedColumns(ctx, tx)
	if err != nil {
		return nil, err
	}
	list := strings.Join(cols, ", ")
	steps := []string{
		`DROP TABLE IF EXISTS chunks_next`,
		// Indexes (and the constraints they back) are built after the load.
		`CREATE TABLE chunks_next (LIKE chunks INCLUDING ALL EXCLUDING INDEXES)`,
		`INSERT INTO chunks_next (` + list + `) OVERRIDING SYSTEM VALUE SELECT ` + list + ` FROM chunks`,
		// New rows continue the old identity sequences: ids are never reused.
		`SELECT setval(pg_get_serial_sequence('chunks_next', a.attname), coalesce(pg_sequence_last_value(pg_get_serial_sequence('chunks', a.attname)::regclass), 1),
				pg_sequence_last_value(pg_get_serial_sequence('chunks', a.attname)::regclass) IS NOT NULL)
			FROM pg_attribute a WHERE a.attrelid = 'chunks'::regclass AND a.attidentity <> '' AND NOT a.attisdropped`,
	}
	for _, q := range steps {
		if _, err := tx.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	if err := load("chunks_next"); err != nil {
		return nil, err
	}
	if err := raiseIndexMemory(ctx, tx); err != nil {
		return nil, err
	}
	for _, q := range after.build {
		if _, err := tx.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	return &pendingSwap{after: after}, nil
}

// pendingSwap is a new chunks table built, indexed and ready (chunks_next), waiting to
// take the live table's place at the end of the run's transaction.
type pendingSwap struct{ after replay }

// Taking the live table's exclusive lock: a waiting lock request queues every reader
// that comes after it, so it is asked for swapLockWait at a time, readers passing in
// between, up to swapLockTries times (about a minute and a half) before waiting as
// long as it takes.
const (
	swapLockWait  = 100 * time.Millisecond
	swapLockTries = 600
)

// finish puts chunks_next in the place of chunks: the last step of the run, so that
// the exclusive lock it takes is held only until the commit that follows.
func (p *pendingSwap) finish(ctx context.Context, tx pgx.Tx) error {
	if err := lockChunks(ctx, tx); err != nil {
		return err
	}
	steps := []string{
		// The old table's sequences go with it; the new ones take their names.
		`CREATE TEMP TABLE chunks_sequences ON COMMIT DROP AS
			SELECT pg_get_serial_sequence('chunks_next', a.attname)::regclass AS next, s.relname AS name
			FROM pg_attribute a JOIN pg_class s ON s.oid = pg_get_serial_sequence('chunks', a.attname)::regclass
			WHERE a.attrelid = 'chunks'::regclass AND a.attidentity <> '' AND NOT a.attisdropped`,
		`DROP TABLE chunks`,
		`ALTER TABLE chunks_next RENAME TO chunks`,
	}
	for _, q := range steps {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	rows, err := tx.Query(ctx, `SELECT format('ALTER SEQUENCE %s RENAME TO %I', next, name) FROM chunks_sequences`)
	if err != nil {
		return fmt.Errorf("pgstore: chunks sequences: %w", err)
	}
	renames, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("pgstore: chunks sequences: %w", err)
	}
	for _, q := range append(append(renames, p.after.rename...), `DROP TABLE chunks_sequences`) {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// lockChunks takes the live chunks table's exclusive lock, a short wait at a time
// (swapLockWait), so that readers are held up for no longer than that while the
// run waits for the searches in progress to end.
func lockChunks(ctx context.Context, tx pgx.Tx) error {
	for try := 1; ; try++ {
		wait := "0"
		if try <= swapLockTries {
			wait = fmt.Sprintf("%dms", swapLockWait.Milliseconds())
		}
		if _, err := tx.Exec(ctx, `SAVEPOINT chunks_lock`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '`+wait+`'; LOCK TABLE chunks IN ACCESS EXCLUSIVE MODE`)
		var pgErr *pgconn.PgError
		switch {
		case err == nil:
			_, err = tx.Exec(ctx, `RELEASE SAVEPOINT chunks_lock; SET LOCAL lock_timeout = 0`)
			return err
		case errors.As(err, &pgErr) && pgErr.Code == "55P03": // lock_not_available
			if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT chunks_lock`); err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(swapLockWait / 2):
			}
		default:
			return fmt.Errorf("pgstore: lock chunks: %w", err)
		}
	}
}

// copiedColumns lists the columns of chunks whose values are copied (not generated).
func copiedColumns(ctx context.Context, tx pgx.Tx) ([]string, error) {
	const q = `SELECT quote_ident(attname) FROM pg_attribute
		WHERE attrelid = 'chunks'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
		ORDER BY attnum`
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("pgstore: chunks columns: %w", err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("pgstore: chunks columns: %w", err)
	}
	return cols, nil
}

// replay holds the statements that give chunks_next what LIKE does not copy: build runs
// after the load, rename after the swap, to give indexes and constraints their names.
type replay struct {
	build, rename []string
}

// replayStatements reads chunks' indexes, constraints, triggers, comments, storage
// parameters, column options and grants from the catalog, as statements for chunks_next.
// Indexes and constraints get temporary names (index names are unique in a schema)
// and are renamed after the old table is dropped.
func replayStatements(ctx context.Context, tx pgx.Tx) (replay, error) {
	var r replay
	collect := func(what, q string, scan func(rows pgx.Rows) error) error {
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return fmt.Errorf("pgstore: chunks %s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return fmt.Errorf("pgstore: chunks %s: %w", what, err)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("pgstore: chunks %s: %w", what, err)
		}
		return nil
	}
	n := 0
	temp := func() string {
		n++
		return fmt.Sprintf("chunks_next_%d", n)
	}

	// Constraints backed by an index (primary key, unique, exclusion) first, then
	// foreign keys, which may need them. Checks and NOT NULL came with LIKE.
	const constraints = `SELECT quote_ident(conname), pg_get_constraintdef(oid), coalesce(quote_literal(obj_description(oid, 'pg_constraint')), '')
		FROM pg_constraint WHERE conrelid = 'chunks'::regclass AND contype IN ('p', 'u', 'x', 'f')
		ORDER BY contype = 'f', conname`
	if err := collect("constraints", constraints, func(rows pgx.Rows) error {
		var name, def, comment string
		if err := rows.Scan(&name, &def, &comment); err != nil {
			return err
		}
		tmp := temp()
		r.build = append(r.build, `ALTER TABLE chunks_next ADD CONSTRAINT `+tmp+` `+def)
		if comment != "" {
			r.build = append(r.build, `COMMENT ON CONSTRAINT `+tmp+` ON chunks_next IS `+comment)
		}
		r.rename = append(r.rename, `ALTER TABLE chunks RENAME CONSTRAINT `+tmp+` TO `+name)
		return nil
	}); err != nil {
		return r, err
	}

	// Indexes of their own, as created (method, operator class, storage parameters,
	// predicate), under a temporary name on chunks_next.
	const indexes = `SELECT quote_ident(c.relname), i.indisunique, pg_get_indexdef(i.indexrelid),
			coalesce(quote_literal(obj_description(i.indexrelid, 'pg_class')), '')
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = 'chunks'::regclass
			AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
		ORDER BY c.relname`
	if err := collect("indexes", indexes, func(rows pgx.Rows) error {
		var name, def, comment string
		var unique bool
		if err := rows.Scan(&name, &unique, &def, &comment); err != nil {
			return err
		}
		at := strings.Index(def, " USING ")
		if at < 0 {
			return fmt.Errorf("index %s: unexpected definition %q", name, def)
		}
		create := "CREATE INDEX "
		if unique {
			create = "CREATE UNIQUE INDEX "
		}
		tmp := temp()
		r.build = append(r.build, create+tmp+" ON chunks_next"+def[at:])
		if comment != "" {
			r.build = append(r.build, `COMMENT ON INDEX `+tmp+` IS `+comment)
		}
		r.rename = append(r.rename, `ALTER INDEX `+tmp+` RENAME TO `+name)
		return nil
	}); err != nil {
		return r, err
	}

	// Triggers are per table: they keep their names. They are created after the load,
	// so they do not fire for the copied or loaded rows.
	const triggers = `SELECT pg_get_triggerdef(t.oid), quote_ident(t.tgname), t.tgenabled = 'D',
			coalesce(quote_literal(obj_description(t.oid, 'pg_trigger')), ''),
			(SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = t.tgrelid)
		FROM pg_trigger t WHERE t.tgrelid = 'chunks'::regclass AND NOT t.tgisinternal ORDER BY t.tgname`
	if err := collect("triggers", triggers, func(rows pgx.Rows) error {
		var def, name, comment, table string
		var disabled bool
		if err := rows.Scan(&def, &name, &disabled, &comment, &table); err != nil {
			return err
		}
		on := " ON " + table + " "
		if !strings.Contains(def, on) {
			return fmt.Errorf("trigger %s: unexpected definition %q", name, def)
		}
		r.build = append(r.build, strings.Replace(def, on, " ON chunks_next ", 1))
		if disabled {
			r.build = append(r.build, `ALTER TABLE chunks_next DISABLE TRIGGER `+name)
		}
		if comment != "" {
			r.build = append(r.build, `COMMENT ON TRIGGER `+name+` ON chunks_next IS `+comment)
		}
		return nil
	}); err != nil {
		return r, err
	}

	// The table's own comment, storage parameters, owner and grants; the columns'
	// statistics targets and options.
	const table = `SELECT s FROM (
			SELECT 1 AS o, format('COMMENT ON TABLE chunks_next IS %L', obj_description(c.oid, 'pg_class')) AS s
				FROM pg_class c WHERE c.oid = 'chunks'::regclass AND obj_description(c.oid, 'pg_class') IS NOT NULL
			UNION ALL
			SELECT 2, format('ALTER TABLE chunks_next SET (%s)', array_to_string(c.reloptions, ', '))
				FROM pg_class c WHERE c.oid = 'chunks'::regclass AND c.reloptions IS NOT NULL
			UNION ALL
			SELECT 3, format('ALTER TABLE chunks_next OWNER TO %I', pg_get_userbyid(c.relowner))
				FROM pg_class c WHERE c.oid = 'chunks'::regclass AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
			UNION ALL
			SELECT 4, format('GRANT %s ON chunks_next TO %s', a.privilege_type,
					CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END)
					|| CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END
				FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = 'chunks'::regclass AND a.grantee <> c.relowner
			UNION ALL
			SELECT 5, format('ALTER TABLE chunks_next ALTER COLUMN %I SET STATISTICS %s', a.attname, a.attstattarget)
				FROM pg_attribute a WHERE a.attrelid = 'chunks'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attstattarget >= 0
			UNION ALL
			SELECT 6, format('ALTER TABLE chunks_next ALTER COLUMN %I SET (%s)', a.attname, array_to_string(a.attoptions, ', '))
				FROM pg_attribute a WHERE a.attrelid = 'chunks'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attoptions IS NOT NULL
		) x ORDER BY o, s`
	if err := collect("settings", table, func(rows pgx.Rows) error {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		r.build = append(r.build, s)
		return nil
	}); err != nil {
		return r, err
	}
	return r, nil
}
