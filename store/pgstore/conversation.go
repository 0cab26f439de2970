package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var (
	_ retrieval.Getter   = (*Store)(nil)
	_ conversation.Store = (*Store)(nil)
)

// Get returns one document with its whole body, and no search evidence (see
// retrieval.Getter).
func (s *Store) Get(ctx context.Context, dataset, key string) (retrieval.Hit, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `SELECT dataset, key, title, url, status, snapshot, facets, body FROM documents
		WHERE dataset = $1 AND key = $2 AND status NOT IN ('suppressed', 'flagged')`
	var (
		h        retrieval.Hit
		snapshot *time.Time
		facets   []byte
	)
	err := s.pool.QueryRow(ctx, q, cleanText(dataset), cleanText(key)).Scan(&h.Dataset, &h.Key, &h.Title, &h.URL, &h.Status, &snapshot, &facets, &h.Body)
	if errors.Is(err, pgx.ErrNoRows) {
		return retrieval.Hit{}, retrieval.ErrNotFound
	}
	if err != nil {
		return retrieval.Hit{}, fmt.Errorf("pgstore: get: %w", err)
	}
	h.Snapshot = deref(snapshot)
	if len(facets) > 0 {
		if err := json.Unmarshal(facets, &h.Facets); err != nil {
			return retrieval.Hit{}, fmt.Errorf("pgstore: get: facets: %w", err)
		}
	}
	return h, nil
}

// SaveTurn stores an answered message.
func (s *Store) SaveTurn(ctx context.Context, t conversation.Turn) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `INSERT INTO messages (id, session_id, channel, question, answer, mode, sources, topic, fallback, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	sources, err := json.Marshal(nonNil(t.Sources))
	if err != nil {
		return fmt.Errorf("pgstore: save turn: %w", err)
	}
	var topic []byte
	if t.Topic != nil {
		if topic, err = json.Marshal(t.Topic); err != nil {
			return fmt.Errorf("pgstore: save turn: %w", err)
		}
	}
	created := t.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	if _, err := s.pool.Exec(ctx, q, t.MessageID, cleanText(t.SessionID), t.Channel, cleanText(t.Question), cleanText(t.Answer), string(t.Mode), sources, topic, t.Fallback, created); err != nil {
		return writeError("save turn", err)
	}
	return nil
}

// RecentTurns returns the last n turns of a session made after since, oldest first.
func (s *Store) RecentTurns(ctx context.Context, session string, n int, since time.Time) ([]conversation.Turn, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if session == "" || n <= 0 {
		return nil, nil
	}
	const q = `SELECT id, session_id, channel, question, answer, mode, sources, topic, fallback, created_at
		FROM messages WHERE session_id = $1 AND created_at >= $2 ORDER BY created_at DESC, id DESC LIMIT $3`
	rows, err := s.pool.Query(ctx, q, cleanText(session), since, n)
	if err != nil {
		return nil, fmt.Errorf("pgstore: recent turns: %w", err)
	}
	turns, err := scanTurns(rows)
	if err != nil {
		return nil, fmt.Errorf("pgstore: recent turns: %w", err)
	}
	for i, j := 0, len(turns)-1; i < j; i, j = i+1, j-1 {
		turns[i], turns[j] = turns[j], turns[i]
	}
	return turns, nil
}

// Turn returns one stored message.
func (s *Store) Turn(ctx context.Context, id string) (conversation.Turn, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `SELECT id, session_id, channel, question, answer, mode, sources, topic, fallback, created_at
		FROM messages WHERE id = $1`
	rows, err := s.pool.Query(ctx, q, cleanText(id))
	if err != nil {
		return conversation.Turn{}, fmt.Errorf("pgstore: turn: %w", err)
	}
	turns, err := scanTurns(rows)
	if err != nil {
		return conversation.Turn{}, fmt.Errorf("pgstore: turn: %w", err)
	}
	if len(turns) == 0 {
		return conversation.Turn{}, conversation.ErrNotFound
	}
	return turns[0], nil
}

func scanTurns(rows pgx.Rows) ([]conversation.Turn, error) {
	var (
		out            []conversation.Turn
		t              conversation.Turn
		mode           string
		sources, topic []byte
	)
	_, err := pgx.ForEachRow(rows, []any{&t.MessageID, &t.SessionID, &t.Channel, &t.Question, &t.Answer, &mode, &sources, &topic, &t.Fallback, &t.CreatedAt}, func() error {
		turn := t
		turn.Mode = conversation.Mode(mode)
		turn.Sources = nil
		turn.Topic = nil
		if err := json.Unmarshal(sources, &turn.Sources); err != nil {
			return err
		}
		if len(topic) > 0 {
			turn.Topic = new(conversation.Topic)
			if err := json.Unmarshal(topic, turn.Topic); err != nil {
				return err
			}
		}
		out = append(out, turn)
		return nil
	})
	return out, err
}

// DeleteSession forgets a conversation (a LINE user who unfollows, a visitor who asks).
func (s *Store) DeleteSession(ctx context.Context, session string) (int64, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if session == "" {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM messages WHERE session_id = $1`, cleanText(session))
	if err != nil {
		return 0, fmt.Errorf("pgstore: delete session: %w", err)
	}
	return tag.RowsAffected(), nil
}

// PurgeTurns deletes the messages made before a time: the retention period.
// The counts of the purged turns are kept, by day, channel, mode and rating, in the
// same transaction.
func (s *Store) PurgeTurns(ctx context.Context, before time.Time) (int64, error) {
	const count = `INSERT INTO daily_counts (day, channel, mode, rating, n)
		SELECT (m.created_at AT TIME ZONE 'Asia/Taipei')::date, m.channel, m.mode, coalesce(f.rating, ''), count(*)
		FROM messages m LEFT JOIN feedback f ON f.message_id = m.id
		WHERE m.created_at < $1 GROUP BY 1, 2, 3, 4
		ON CONFLICT (day, channel, mode, rating) DO UPDATE SET n = daily_counts.n + EXCLUDED.n`
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Replicas purge on their own schedules: one at a time, or two would count
		// the same turns before either deleted them.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('civicbot.purge'))`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, count, before); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM messages WHERE created_at < $1`, before)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: purge: %w", err)
	}
	return n, nil
}

// CuratedAnswers returns every curated answer, whatever its status.
func (s *Store) CuratedAnswers(ctx context.Context) ([]conversation.Curated, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `SELECT id, questions, answer, sources, status, expires_at, hits, last_hit_at, author, approved_by FROM curated_answers ORDER BY id`
	rows, err := s.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("pgstore: curated answers: %w", err)
	}
	var (
		out     []conversation.Curated
		c       conversation.Curated
		sources []byte
		expires *time.Time
		lastHit *time.Time
	)
	if _, err := pgx.ForEachRow(rows, []any{&c.ID, &c.Questions, &c.Answer, &sources, &c.Status, &expires, &c.Hits, &lastHit, &c.Author, &c.ApprovedBy}, func() error {
		ca := c
		ca.Sources = nil
		ca.ExpiresAt = deref(expires)
		ca.LastHit = time.Time{}
		if lastHit != nil {
			ca.LastHit = lastHit.UTC()
		}
		if err := json.Unmarshal(sources, &ca.Sources); err != nil {
			return err
		}
		out = append(out, ca)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("pgstore: curated answers: %w", err)
	}
	return out, nil
}

// PutCurated inserts or replaces curated answers by id, in one transaction. Hit counts
// are kept.
func (s *Store) PutCurated(ctx context.Context, cs []conversation.Curated) error {
	const q = `INSERT INTO curated_answers (id, questions, answer, sources, status, expires_at, author, approved_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
		ON CONFLICT (id) DO UPDATE SET questions = $2, answer = $3, sources = $4, status = $5, expires_at = $6,
			author = $7, approved_by = $8, updated_at = now()`
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, c := range cs {
			sources, err := json.Marshal(nonNil(c.Sources))
			if err != nil {
				return fmt.Errorf("pgstore: put curated %s: %w", c.ID, err)
			}
			if _, err := tx.Exec(ctx, q, c.ID, c.Questions, c.Answer, sources, c.Status, dateOrNil(c.ExpiresAt), cleanText(c.Author), cleanText(c.ApprovedBy)); err != nil {
				return fmt.Errorf("pgstore: put curated %s: %w", c.ID, err)
			}
		}
		return nil
	})
}

// CuratedHit counts one use of a curated answer and records when.
func (s *Store) CuratedHit(ctx context.Context, id string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.pool.Exec(ctx, `UPDATE curated_answers SET hits = hits + 1, last_hit_at = greatest(last_hit_at, now()) WHERE id = $1`, id); err != nil {
		return writeError("curated hit", err)
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// SaveFeedback stores a rating of a message, replacing an earlier one;
// conversation.ErrUnknownMessage when there is no such message.
func (s *Store) SaveFeedback(ctx context.Context, f conversation.Feedback) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `INSERT INTO feedback (message_id, rating, comment, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (message_id) DO UPDATE SET rating = $2, comment = $3, created_at = $4`
	created := f.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	_, err := s.pool.Exec(ctx, q, cleanText(f.MessageID), f.Rating, cleanText(f.Comment), created)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
		return conversation.ErrUnknownMessage
	}
	if err != nil {
		return writeError("save feedback", err)
	}
	return nil
}

// Feedback returns the rating of a message; conversation.ErrNotFound when it has none.
func (s *Store) Feedback(ctx context.Context, messageID string) (conversation.Feedback, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	f := conversation.Feedback{MessageID: messageID}
	err := s.pool.QueryRow(ctx, `SELECT rating, comment, created_at FROM feedback WHERE message_id = $1`, cleanText(messageID)).Scan(&f.Rating, &f.Comment, &f.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, conversation.ErrNotFound
	}
	if err != nil {
		return f, fmt.Errorf("pgstore: feedback: %w", err)
	}
	return f, nil
}
