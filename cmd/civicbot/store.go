package main

import (
	"context"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/bot/line"
	"github.com/civicbot/civicbot/bot/web"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/staff"
	"github.com/civicbot/civicbot/staff/console"
	"github.com/civicbot/civicbot/store/memstore"
	"github.com/civicbot/civicbot/store/pgstore"
)

// store is what the commands need of a store. PostgreSQL with pgvector (pgstore) is the
// production store; without DATABASE_URL everything lives in the embedded store
// (memstore) under CIVICBOT_DATA_DIR. Both pass the same conformance suites.
type store interface {
	bot.Store
	web.Store
	line.Store
	Sync(ctx context.Context, batches []*ingest.Batch, opt ingest.SyncOptions) (ingest.SyncStats, error)
	SourceDigests(ctx context.Context) (map[string]string, error)
	PutCurated(ctx context.Context, cs []conversation.Curated) error
	Feedback(ctx context.Context, messageID string) (conversation.Feedback, error)
	Turn(ctx context.Context, id string) (conversation.Turn, error)
	PurgeTurns(ctx context.Context, before time.Time) (int64, error)
	PurgeLineEvents(ctx context.Context, before time.Time) (int64, error)
	staff.Store
	console.Data
	flagStore
	Close()
}

var (
	_ store = (*pgstore.Store)(nil)
	_ store = (*memstore.Store)(nil)
)

// openStore opens the configured store with the configured embedder.
func (a *app) openStore(ctx context.Context) (store, error) {
	e, info, err := a.embedder(ctx)
	if err != nil {
		return nil, err
	}
	if a.cfg.DatabaseURL == "" {
		return memstore.Open(ctx, a.cfg.DataDir, e, memstore.EmbedderInfo{Name: info.Name, Dim: info.Dim}, a.log)
	}
	s, err := pgstore.Open(ctx, a.cfg.DatabaseURL, e, info, a.log)
	if err != nil {
		return nil, err
	}
	s.QueryTimeout = a.cfg.StoreTimeout
	return s, nil
}

// engineCloseTimeout is how long a command waits for the turns still being saved.
const engineCloseTimeout = 10 * time.Second

// closeEngine waits for the engine's background saves before the store closes.
func closeEngine(ctx context.Context, e *bot.Engine) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), engineCloseTimeout)
	defer cancel()
	e.Close(ctx)
}

// sharedLimits keeps the web's rate limits in PostgreSQL, where every replica takes
// from the same buckets; the embedded store serves one process, which keeps its own.
func sharedLimits(s store) web.SharedLimits {
	if pg, ok := s.(*pgstore.Store); ok {
		return pgLimits{pg}
	}
	return nil
}

type pgLimits struct{ s *pgstore.Store }

func (l pgLimits) Take(ctx context.Context, bs []web.Bucket) ([]time.Duration, error) {
	pbs := make([]pgstore.Bucket, len(bs))
	for i, b := range bs {
		pbs[i] = pgstore.Bucket(b)
	}
	return l.s.TakeTokens(ctx, pbs)
}
