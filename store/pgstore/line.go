package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var _ conversation.Outbox = (*Store)(nil)

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

// AcceptEvents records LINE events and puts the new ones in the outbox, in one
// transaction: fresh[i] is false when items[i]'s id was recorded before (a
// redelivery, answered elsewhere). When it returns an error nothing was recorded, and
// the webhook must not acknowledge the events.
func (s *Store) AcceptEvents(ctx context.Context, items []conversation.OutboxItem) (fresh []bool, err error) {
	const mark = `INSERT INTO line_events (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`
	const put = `INSERT INTO line_outbox (id, chat, event, received, retry_key) VALUES ($1, $2, $3, $4, $5)`
	fresh = make([]bool, len(items))
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for i, it := range items {
			id := cleanText(it.ID)
			if id == "" {
				return errors.New("an event without an id")
			}
			tag, err := tx.Exec(ctx, mark, id)
			if err != nil {
				return err
			}
			if fresh[i] = tag.RowsAffected() == 1; !fresh[i] {
				continue
			}
			if _, err := tx.Exec(ctx, put, id, cleanText(it.Chat), it.Event, it.Received, it.RetryKey); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: accept line events: %w", err)
	}
	return fresh, nil
}

// ClaimEvents leases up to max outbox items to owner for the lease: the oldest item of
// each chat whose earlier items are all finished, not leased by another owner (or its
// lease expired) and not deferred. Concurrent claimers, in this process or another,
// never get the same item (FOR UPDATE SKIP LOCKED).
func (s *Store) ClaimEvents(ctx context.Context, owner string, max int, lease time.Duration) ([]conversation.OutboxItem, error) {
	const q = `
WITH c AS (
    SELECT o.id FROM line_outbox o
    WHERE (o.lease_until IS NULL OR o.lease_until < clock_timestamp())
      AND o.not_before <= clock_timestamp()
      AND NOT EXISTS (SELECT 1 FROM line_outbox p WHERE p.chat = o.chat AND p.seq < o.seq)
    ORDER BY o.seq
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE line_outbox o
SET owner = $1, lease_until = clock_timestamp() + $3 * interval '1 millisecond', claims = o.claims + 1
FROM c WHERE o.id = c.id
RETURNING o.seq, o.id, o.chat, o.event, o.received, o.retry_key, o.answer, o.sends, o.uncertain, o.not_before, o.claims`
	if max <= 0 || lease <= 0 {
		return nil, errors.New("pgstore: claim line events: want a positive count and lease")
	}
	rows, err := s.pool.Query(ctx, q, owner, max, lease.Milliseconds())
	if err != nil {
		return nil, fmt.Errorf("pgstore: claim line events: %w", err)
	}
	type row struct {
		seq int64
		it  conversation.OutboxItem
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.seq, &r.it.ID, &r.it.Chat, &r.it.Event, &r.it.Received, &r.it.RetryKey, &r.it.Answer,
			&r.it.Sends, &r.it.Uncertain, &r.it.NotBefore, &r.it.Claims); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pgstore: claim line events: %w", err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: claim line events: %w", err)
	}
	slices.SortFunc(got, func(a, b row) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]conversation.OutboxItem, len(got))
	for i, r := range got {
		out[i] = r.it
	}
	return out, nil
}

// SaveEvent records what a worker did with an item it holds (its answer, failed
// attempts, when to try again); release ends the lease, so that the item can be
// claimed again from NotBefore on. conversation.ErrLeaseLost when owner no longer holds it.
func (s *Store) SaveEvent(ctx context.Context, owner string, it conversation.OutboxItem, release bool) error {
	const q = `
UPDATE line_outbox
SET answer = $3, sends = $4, uncertain = $5, not_before = $6,
    owner = CASE WHEN $7 THEN NULL ELSE owner END,
    lease_until = CASE WHEN $7 THEN NULL ELSE lease_until END
WHERE id = $1 AND owner = $2`
	notBefore := it.NotBefore
	if notBefore.IsZero() {
		notBefore = time.Now()
	}
	tag, err := s.pool.Exec(ctx, q, cleanText(it.ID), owner, it.Answer, it.Sends, it.Uncertain, notBefore, release)
	if err != nil {
		return fmt.Errorf("pgstore: save line event: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: save line event: %w", conversation.ErrLeaseLost)
	}
	return nil
}

// FinishEvent removes a delivered (or abandoned) item from the outbox; its id stays
// in line_events, so that a redelivery is not answered again.
func (s *Store) FinishEvent(ctx context.Context, owner, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM line_outbox WHERE id = $1 AND owner = $2`, cleanText(id), owner)
	if err != nil {
		return fmt.Errorf("pgstore: finish line event: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: finish line event: %w", conversation.ErrLeaseLost)
	}
	return nil
}

// RenewLeases extends the leases of every item owner holds to lease from now; a lease
// of 0 releases them, for the next claimer (a process that stops without finishing
// its items).
func (s *Store) RenewLeases(ctx context.Context, owner string, lease time.Duration) (int64, error) {
	const renew = `UPDATE line_outbox SET lease_until = clock_timestamp() + $2 * interval '1 millisecond' WHERE owner = $1`
	const release = `UPDATE line_outbox SET owner = NULL, lease_until = NULL WHERE owner = $1`
	var tag pgconn.CommandTag
	var err error
	if lease > 0 {
		tag, err = s.pool.Exec(ctx, renew, owner, lease.Milliseconds())
	} else {
		tag, err = s.pool.Exec(ctx, release, owner)
	}
	if err != nil {
		return 0, fmt.Errorf("pgstore: renew line leases: %w", err)
	}
	return tag.RowsAffected(), nil
}
