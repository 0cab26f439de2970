package pgstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// LineEventRetention is how long LINE webhook event ids are remembered for
// deduplication. LINE redelivers within hours, not days.
const LineEventRetention = 7 * 24 * time.Hour

// purgeEvery is the share of MarkEvent calls (1 in purgeEvery) that also purge old
// event ids: the table stays small without a scheduled job, and no call pays for it
// often.
const purgeEvery = 256

// MarkEvent records a LINE webhook event id; first is false when the event was
// already recorded (by this replica or another), that is when it was redelivered and
// is being answered elsewhere.
func (s *Store) MarkEvent(ctx context.Context, webhookEventID string) (first bool, err error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `INSERT INTO line_events (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`
	tag, err := s.pool.Exec(ctx, q, cleanText(webhookEventID))
	if err != nil {
		return false, fmt.Errorf("pgstore: mark event: %w", err)
	}
	if rand.IntN(purgeEvery) == 0 {
		if _, err := s.PurgeLineEvents(ctx, time.Now().Add(-LineEventRetention)); err != nil {
			s.log.Warn("purge line events", "err", err)
		}
	}
	return tag.RowsAffected() == 1, nil
}

// PurgeLineEvents forgets the LINE webhook event ids recorded before a time.
func (s *Store) PurgeLineEvents(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM line_events WHERE created_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("pgstore: purge line events: %w", err)
	}
	return tag.RowsAffected(), nil
}
