// Package pgstore keeps documents, chunks and their embeddings in PostgreSQL with
// pgvector, and searches them.
package pgstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/tmc/langchaingo/embeddings"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Embedder is what the store needs of the configured embedder.
type Embedder interface {
	embeddings.Embedder
}

// EmbedderInfo names the embedder whose vectors the store holds.
type EmbedderInfo struct {
	Name string
	Dim  int
}

// Store is the PostgreSQL + pgvector store.
type Store struct {
	pool     *pgxpool.Pool
	embedder Embedder
	info     EmbedderInfo
	log      *slog.Logger
	// EFSearch is hnsw.ef_search for dense queries.
	EFSearch int
	// ExactDense makes the dense leg an exact scan of every chunk rather than a walk
	// of the approximate HNSW index: slow, for tests that compare stores.
	ExactDense bool
	// QueryTimeout caps every call that serves a request (search, conversations,
	// feedback, LINE events, readiness), whatever the caller's deadline: a database
	// that stops answering must not hold requests, pool connections and goroutines.
	QueryTimeout time.Duration

	readyMu sync.Mutex
	readyAt time.Time // the last success

	rateSweep atomic.Int64 // when to delete refilled rate buckets next (Unix ns)

	vocab vocabCache // what Words was told, while current (vocab.go)
	// gen changes with every change of what searches read that this store made or
	// heard of (SearchGeneration).
	gen atomic.Uint64

	syncBatch int // records and documents a sync holds at once; 0 means the constant syncBatch

	closed    chan struct{} // closed by Close: ends WatchCurated
	closeOnce sync.Once
}

// Deadlines of the serving path. The client's deadline ends a call on a database
// that does not answer at all (stopped, cut off); the server's settings end work the
// client has given up on, and waits for locks or idle transactions, so that the pool's
// connections come back. Bulk work (Sync, Reembed) lifts them in its transaction
// (serverLimitsOff). Parameters given in DATABASE_URL (?statement_timeout=10s) win.
const (
	DefaultQueryTimeout = 5 * time.Second
	connectTimeout      = 5 * time.Second
)

var serverLimits = map[string]string{
	"statement_timeout":                   "5s",
	"lock_timeout":                        "2s",
	"idle_in_transaction_session_timeout": "30s",
}

// bound caps a serving call at QueryTimeout.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	d := s.QueryTimeout
	if d <= 0 {
		d = DefaultQueryTimeout
	}
	return context.WithTimeout(ctx, d)
}

// serverLimitsOff lifts the serving limits for the rest of a bulk transaction: a load
// builds indexes for minutes and waits for the locks it needs.
func serverLimitsOff(ctx context.Context, tx pgx.Tx) error {
	const q = `SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0`
	if _, err := tx.Exec(ctx, q); err != nil {
		return fmt.Errorf("pgstore: lift serving limits: %w", err)
	}
	return nil
}

// ErrEmbedderMismatch is returned when the stored vectors come from another embedder.
var ErrEmbedderMismatch = errors.New("embedder mismatch")

// Migrate applies the embedded migrations to the database at url.
func Migrate(ctx context.Context, url string, log *slog.Logger) error {
	// Parsed as a pool configuration so that pool settings in the URL
	// (pool_max_conns and the like) are accepted here too.
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	db := stdlib.OpenDB(*cfg.ConnConfig)
	defer db.Close()
	p, err := provider(db)
	if err != nil {
		return err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	for _, r := range res {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

func provider(db *sql.DB) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("pgstore: migrations: %w", err)
	}
	// Replicas start at once: PostgreSQL's session-level advisory lock lets one of
	// them migrate while the others wait (polled every second, for up to 5 minutes),
	// then find nothing left to apply.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, fmt.Errorf("pgstore: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub,
		goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("pgstore: migrations: %w", err)
	}
	return p, nil
}

// Open migrates the database at url, connects, and checks that the stored vectors
// come from the configured embedder (recording it on first use).
func Open(ctx context.Context, url string, e Embedder, info EmbedderInfo, log *slog.Logger) (*Store, error) {
	if err := Migrate(ctx, url, log); err != nil {
		return nil, err
	}
	pool, err := connect(ctx, url)
	if err != nil {
		return nil, err
	}
	s := &Store{pool: pool, embedder: e, info: info, log: log, EFSearch: 100, QueryTimeout: DefaultQueryTimeout, closed: make(chan struct{})}
	if err := s.ensureEmbedder(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.fillLicenceFacts(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.ensureIndexVersion(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// connect opens a pool whose connections know pgvector's types: without them vectors
// are mis-encoded.
func connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// A search runs its legs on up to three connections; pgx's default of
		// max(4, cores) queued them behind one another under load (measured: 500 users,
		// first-byte p95 142 ms with 4, 86 ms with 8, on 2 cores).
		cfg.MaxConns = int32(max(8, 2*runtime.NumCPU()))
	}
	if cfg.ConnConfig.ConnectTimeout <= 0 {
		// pgxpool's own default is 2 minutes, for every connection made in the background.
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	for k, v := range serverLimits {
		if _, ok := cfg.ConnConfig.RuntimeParams[k]; !ok {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		return pgxvec.RegisterTypes(ctx, c)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	return pool, nil
}

// Close releases the connections.
func (s *Store) Close() {
	s.closeOnce.Do(func() {
		if s.closed != nil {
			close(s.closed)
		}
	})
	s.pool.Close()
}

// Pool exposes the connection pool to other adapters that share the database.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// MaxDim is the largest embedding dimension the store indexes (pgvector's HNSW limit for halfvec).
const MaxDim = 4000

const (
	settingEmbedder = "embedder"
	settingDim      = "embedding_dim"
)

// ensureEmbedder records the embedder on first use and types the embedding column;
// afterwards a different embedder is refused, since its vectors are not comparable.
func (s *Store) ensureEmbedder(ctx context.Context) error {
	name, dim, err := storedEmbedder(ctx, s.pool)
	if err != nil {
		return err
	}
	if name == "" {
		return s.setEmbedder(ctx)
	}
	return s.sameEmbedder(name, dim)
}

func (s *Store) sameEmbedder(name string, dim int) error {
	if name != s.info.Name || dim != s.info.Dim {
		return fmt.Errorf("pgstore: %w: the database holds %d-dimension vectors from embedder %q, but the configured embedder %q gives %d dimensions; "+
			"run `civicbot migrate --reembed` to re-embed the stored documents with the configured embedder, or point DATABASE_URL at a new database",
			ErrEmbedderMismatch, dim, name, s.info.Name, s.info.Dim)
	}
	return nil
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func storedEmbedder(ctx context.Context, db querier) (string, int, error) {
	const q = `SELECT coalesce(max(value) FILTER (WHERE name = $1), ''), coalesce(max(value) FILTER (WHERE name = $2), '0') FROM settings`
	var name, dim string
	if err := db.QueryRow(ctx, q, settingEmbedder, settingDim).Scan(&name, &dim); err != nil {
		return "", 0, fmt.Errorf("pgstore: read settings: %w", err)
	}
	n, _ := strconv.Atoi(dim)
	return name, n, nil
}

func (s *Store) setEmbedder(ctx context.Context) error {
	if s.info.Dim <= 0 || s.info.Dim > MaxDim {
		return fmt.Errorf("pgstore: embedder %q has an unusable dimension %d", s.info.Name, s.info.Dim)
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := serverLimitsOff(ctx, tx); err != nil {
			return err
		}
		// Replicas starting on a new database at once: the first records its embedder,
		// the others wait here and then check theirs against it.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('civicbot:embedder'))`); err != nil {
			return fmt.Errorf("pgstore: record embedder: lock: %w", err)
		}
		if name, dim, err := storedEmbedder(ctx, tx); err != nil || name != "" {
			if err != nil {
				return err
			}
			return s.sameEmbedder(name, dim)
		}
		const upsert = `INSERT INTO settings (name, value) VALUES ($1, $2), ($3, $4)
			ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`
		if _, err := tx.Exec(ctx, upsert, settingEmbedder, s.info.Name, settingDim, strconv.Itoa(s.info.Dim)); err != nil {
			return fmt.Errorf("pgstore: record embedder: %w", err)
		}
		// The dimension is a number we validated, not user text: DDL takes no parameters.
		alter := fmt.Sprintf(`ALTER TABLE chunks ALTER COLUMN embedding TYPE halfvec(%d) USING NULL`, s.info.Dim)
		if _, err := tx.Exec(ctx, `DROP INDEX IF EXISTS chunks_embedding`); err != nil {
			return fmt.Errorf("pgstore: drop vector index: %w", err)
		}
		if _, err := tx.Exec(ctx, alter); err != nil {
			return fmt.Errorf("pgstore: type embedding column: %w", err)
		}
		return nil
	})
}

// ensureVectorIndex builds the HNSW index if it is missing. Building it after a bulk
// load is many times faster than maintaining it row by row.
func ensureVectorIndex(ctx context.Context, tx pgx.Tx) error {
	const q = `CREATE INDEX IF NOT EXISTS chunks_embedding ON chunks USING hnsw (embedding halfvec_cosine_ops) WITH (m = 16, ef_construction = 64)`
	if err := raiseIndexMemory(ctx, tx); err != nil {
		return fmt.Errorf("pgstore: vector index: %w", err)
	}
	if _, err := tx.Exec(ctx, q); err != nil {
		return fmt.Errorf("pgstore: vector index: %w", err)
	}
	return nil
}

// indexMemory is the least maintenance_work_mem an index build of a sync runs with.
// An HNSW build whose graph outgrows it goes on far more slowly (pgvector's notice
// "hnsw graph no longer fits into maintenance_work_mem"): about 1 KB a chunk here, so
// 512 MB holds some 400,000 chunks. An operator whose database has a larger setting
// (for a corpus of millions) keeps it: the build never lowers it.
const indexMemory = "512MB"

// raiseIndexMemory sets maintenance_work_mem, for the rest of tx, to indexMemory
// unless the session's setting is already larger.
func raiseIndexMemory(ctx context.Context, tx pgx.Tx) error {
	const q = `SELECT set_config('maintenance_work_mem', $1, true)
		WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes($1)`
	if _, err := tx.Exec(ctx, q, indexMemory); err != nil {
		return fmt.Errorf("maintenance_work_mem: %w", err)
	}
	return nil
}

// readyTTL is how long a readiness result is reused: load balancers probe every
// replica every few seconds, and each probe writes a row.
const readyTTL = 3 * time.Second

// Ready reports whether the database answers, its migrations are current and it takes
// writes (a one-row upsert, committed): a database that is read-only, full or denies
// the service's writes loses every turn and rating, and is not ready. Success is
// reused for readyTTL; a failure is checked again at the next probe.
func (s *Store) Ready(ctx context.Context) error {
	s.readyMu.Lock()
	at := s.readyAt
	s.readyMu.Unlock()
	if !at.IsZero() && time.Since(at) < readyTTL {
		return nil
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	s.readyMu.Lock()
	s.readyAt = time.Now()
	s.readyMu.Unlock()
	return nil
}

func (s *Store) ready(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("pgstore: ping: %w", err)
	}
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	p, err := provider(db)
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrations: %w", err)
	}
	if pending {
		return errors.New("pgstore: migrations pending: run `civicbot migrate`")
	}
	const q = `INSERT INTO store_heartbeat (id, at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET at = now()`
	if _, err := s.pool.Exec(ctx, q); err != nil {
		return writeError("write probe", err)
	}
	return nil
}

// writeError wraps a failed write; a database that refuses writes as such (read-only,
// disk full, permission denied) gives conversation.ErrCannotWrite, which channels answer with 503.
func writeError(op string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "25006", // read_only_sql_transaction
			"53100", // disk_full
			"42501": // insufficient_privilege
			return fmt.Errorf("pgstore: %s: %w: %w", op, conversation.ErrCannotWrite, err)
		}
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}
