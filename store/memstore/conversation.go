package memstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/staff"
	bolt "go.etcd.io/bbolt"
)

var (
	_ retrieval.Getter   = (*Store)(nil)
	_ conversation.Store = (*Store)(nil)
)

// Get returns one document with its whole body, and no search evidence (see
// retrieval.Getter); retrieval.ErrNotFound when there is none or it is suppressed.
func (s *Store) Get(ctx context.Context, dataset, key string) (retrieval.Hit, error) {
	var h retrieval.Hit
	err := s.view(func(tx *bolt.Tx) error {
		k := appendKey(nil, cleanText(dataset), cleanText(key))
		v := tx.Bucket(bucketDocuments).Get(k)
		if v == nil {
			return retrieval.ErrNotFound
		}
		row, err := decodeDoc(v)
		if err != nil {
			return err
		}
		if row.Status == string(corpus.StatusSuppressed) || row.Status == string(corpus.StatusFlagged) {
			return retrieval.ErrNotFound
		}
		h = newDoc(cleanText(dataset), cleanText(key), row, "").hit()
		h.Body = string(tx.Bucket(bucketBodies).Get(k))
		return nil
	})
	if errors.Is(err, retrieval.ErrNotFound) {
		return retrieval.Hit{}, retrieval.ErrNotFound
	}
	if err != nil {
		return retrieval.Hit{}, fmt.Errorf("memstore: get: %w", err)
	}
	return h, nil
}

// turnRow is a stored message, keyed by its id.
type turnRow struct {
	Session  string                `json:"session_id"`
	Channel  string                `json:"channel"`
	Question string                `json:"question"`
	Answer   string                `json:"answer"`
	Mode     string                `json:"mode"`
	Sources  []conversation.Source `json:"sources"`
	Topic    *conversation.Topic   `json:"topic,omitempty"`
	Fallback string                `json:"fallback,omitempty"`
	Created  int64                 `json:"created_at"` // microseconds since 1970
}

func (r turnRow) turn(id string) conversation.Turn {
	return conversation.Turn{MessageID: id, SessionID: r.Session, Channel: r.Channel, Question: r.Question, Answer: r.Answer,
		Mode: conversation.Mode(r.Mode), Sources: nonNil(r.Sources), Topic: r.Topic, Fallback: r.Fallback, CreatedAt: time.UnixMicro(r.Created)}
}

// errDuplicateMessage is returned when a message id is saved twice.
var errDuplicateMessage = errors.New("a message with this id is already stored")

// SaveTurn stores an answered message. A message id is stored once.
func (s *Store) SaveTurn(ctx context.Context, t conversation.Turn) error {
	created := t.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	id := cleanText(t.MessageID)
	row := turnRow{Session: cleanText(t.SessionID), Channel: t.Channel, Question: cleanText(t.Question), Answer: cleanText(t.Answer),
		Mode: string(t.Mode), Sources: nonNil(t.Sources), Topic: t.Topic, Fallback: t.Fallback, Created: created.UnixMicro()}
	v, err := json.Marshal(row)
	if err != nil {
		return fmt.Errorf("memstore: save turn: %w", err)
	}
	if id == "" {
		return errors.New("memstore: save turn: no message id")
	}
	err = s.batch(func(tx *bolt.Tx) error {
		msgs := tx.Bucket(bucketMessages)
		if msgs.Get([]byte(id)) != nil {
			return errDuplicateMessage
		}
		if err := msgs.Put([]byte(id), v); err != nil {
			return err
		}
		at := time.UnixMicro(row.Created)
		if row.Session != "" {
			if err := tx.Bucket(bucketSessions).Put(sessionKey(row.Session, at, id), nil); err != nil {
				return err
			}
		}
		// The question, without case, beside its time: staff's text search walks the
		// times alone (turns saved before this carry nothing and are read in full).
		return tx.Bucket(bucketTimes).Put(timeKey(at, id), []byte(strings.ToLower(row.Question)))
	})
	if err != nil {
		return fmt.Errorf("memstore: save turn %s: %w", id, err)
	}
	return nil
}

// sessionKey is the key of a message in bucketSessions: session, time, id.
func sessionKey(session string, at time.Time, id string) []byte {
	return append(appendTime(appendKey(nil, session), at), id...)
}

// timeKey is the key of a message in bucketTimes: time, id.
func timeKey(at time.Time, id string) []byte { return append(appendTime(nil, at), id...) }

// RecentTurns returns the last n turns of a session made at or after since, oldest
// first.
func (s *Store) RecentTurns(ctx context.Context, session string, n int, since time.Time) ([]conversation.Turn, error) {
	session = cleanText(session)
	if session == "" || n <= 0 {
		return nil, nil
	}
	var out []conversation.Turn
	err := s.view(func(tx *bolt.Tx) error {
		prefix := appendKey(nil, session)
		from := since.UnixMicro()
		msgs := tx.Bucket(bucketMessages)
		c := tx.Bucket(bucketSessions).Cursor()
		var k []byte
		if end := prefixEnd(prefix); end == nil {
			k, _ = c.Last()
		} else if k, _ = c.Seek(end); k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < n; k, _ = c.Prev() {
			rest := k[len(prefix):]
			if len(rest) < 8 {
				return fmt.Errorf("session key %x", k)
			}
			if readTime(rest).UnixMicro() < from {
				break
			}
			id := string(rest[8:])
			t, err := readTurn(msgs, id)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: recent turns: %w", err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func readTurn(msgs *bolt.Bucket, id string) (conversation.Turn, error) {
	v := msgs.Get([]byte(id))
	if v == nil {
		return conversation.Turn{}, conversation.ErrNotFound
	}
	var row turnRow
	if err := json.Unmarshal(v, &row); err != nil {
		return conversation.Turn{}, fmt.Errorf("message %s: %w", id, err)
	}
	return row.turn(id), nil
}

// Turn returns one stored message; conversation.ErrNotFound when there is none.
func (s *Store) Turn(ctx context.Context, id string) (conversation.Turn, error) {
	var t conversation.Turn
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		t, err = readTurn(tx.Bucket(bucketMessages), cleanText(id))
		return err
	})
	if errors.Is(err, conversation.ErrNotFound) {
		return conversation.Turn{}, conversation.ErrNotFound
	}
	if err != nil {
		return conversation.Turn{}, fmt.Errorf("memstore: turn: %w", err)
	}
	return t, nil
}

// deleteTurns deletes the messages with these ids, with their feedback.
func deleteTurns(tx *bolt.Tx, ids []string) error {
	for _, id := range ids {
		if err := deleteTurn(tx, id); err != nil {
			return err
		}
	}
	return nil
}

// deleteTurn deletes a message, its index entries and its feedback.
func deleteTurn(tx *bolt.Tx, id string) error {
	msgs := tx.Bucket(bucketMessages)
	v := msgs.Get([]byte(id))
	if v == nil {
		return nil
	}
	var row turnRow
	if err := json.Unmarshal(v, &row); err != nil {
		return fmt.Errorf("message %s: %w", id, err)
	}
	at := time.UnixMicro(row.Created)
	if row.Session != "" {
		if err := tx.Bucket(bucketSessions).Delete(sessionKey(row.Session, at, id)); err != nil {
			return err
		}
	}
	for _, err := range []error{
		tx.Bucket(bucketTimes).Delete(timeKey(at, id)),
		tx.Bucket(bucketFeedback).Delete([]byte(id)),
		tx.Bucket(bucketReviewed).Delete([]byte(id)),
		msgs.Delete([]byte(id)),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// DeleteSession forgets a conversation (a LINE user who unfollows, a visitor who asks),
// with the feedback on it.
func (s *Store) DeleteSession(ctx context.Context, session string) (int64, error) {
	session = cleanText(session)
	if session == "" {
		return 0, nil
	}
	var n int64
	err := s.update(func(tx *bolt.Tx) error {
		prefix := appendKey(nil, session)
		var ids []string
		c := tx.Bucket(bucketSessions).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) < len(prefix)+8 {
				return fmt.Errorf("session key %x", k)
			}
			ids = append(ids, string(k[len(prefix)+8:]))
		}
		n = int64(len(ids))
		return deleteTurns(tx, ids)
	})
	if err != nil {
		return 0, fmt.Errorf("memstore: delete session: %w", err)
	}
	return n, nil
}

// PurgeTurns deletes the messages made before a time, with their feedback: the
// retention period.
func (s *Store) PurgeTurns(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	end := before.UnixMicro()
	err := s.update(func(tx *bolt.Tx) error {
		var ids []string
		c := tx.Bucket(bucketTimes).Cursor()
		counts := map[staff.DayCount]int{}
		for k, _ := c.First(); len(k) >= 8 && readTime(k).UnixMicro() < end; k, _ = c.Next() {
			ids = append(ids, string(k[8:]))
			d, err := dayCount(tx, k)
			if err != nil {
				return err
			}
			counts[d]++
		}
		n = int64(len(ids))
		// The counts of the purged turns are kept for the overview's history.
		daily := tx.Bucket(bucketDaily)
		for d, c := range counts {
			k := appendKey(nil, d.Day, d.Channel, d.Mode, d.Rating)
			var old uint64
			if v := daily.Get(k); len(v) == 8 {
				old = binary.BigEndian.Uint64(v)
			}
			if err := daily.Put(k, binary.BigEndian.AppendUint64(nil, old+uint64(c))); err != nil {
				return err
			}
		}
		return deleteTurns(tx, ids)
	})
	if err != nil {
		return 0, fmt.Errorf("memstore: purge: %w", err)
	}
	return n, nil
}

// curatedRow is a curated answer, keyed by its id.
type curatedRow struct {
	Questions []string              `json:"questions"`
	Answer    string                `json:"answer"`
	Sources   []conversation.Source `json:"sources"`
	Status    string                `json:"status"`
	ExpiresAt time.Time             `json:"expires_at,omitzero"`
	Hits      int64                 `json:"hits"`
	LastHit   time.Time             `json:"last_hit,omitzero"`
	UpdatedAt time.Time             `json:"updated_at"`
	Author    string                `json:"author,omitempty"`
	Approver  string                `json:"approved_by,omitempty"`
}

// CuratedAnswers returns every curated answer, whatever its status, by id.
func (s *Store) CuratedAnswers(ctx context.Context) ([]conversation.Curated, error) {
	var out []conversation.Curated
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCurated).ForEach(func(k, v []byte) error {
			var row curatedRow
			if err := json.Unmarshal(v, &row); err != nil {
				return fmt.Errorf("curated answer %s: %w", k, err)
			}
			out = append(out, conversation.Curated{ID: string(k), Questions: nonNil(row.Questions), Answer: row.Answer, Sources: nonNil(row.Sources),
				Status: row.Status, ExpiresAt: row.ExpiresAt, Hits: row.Hits, LastHit: row.LastHit, Author: row.Author, ApprovedBy: row.Approver})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: curated answers: %w", err)
	}
	return out, nil
}

// PutCurated inserts or replaces curated answers by id, in one transaction. Hit counts
// are kept.
func (s *Store) PutCurated(ctx context.Context, cs []conversation.Curated) error {
	for _, c := range cs {
		switch c.Status {
		case conversation.CuratedDraft, conversation.CuratedApproved, conversation.CuratedRetired:
		default:
			return fmt.Errorf("memstore: put curated %s: status %q is not draft, approved or retired", c.ID, c.Status)
		}
		if c.ID == "" {
			return errors.New("memstore: put curated: no id")
		}
	}
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCurated)
		for _, c := range cs {
			row := curatedRow{Questions: nonNil(c.Questions), Answer: c.Answer, Sources: nonNil(c.Sources), Status: c.Status,
				ExpiresAt: c.ExpiresAt, UpdatedAt: time.Now(), Author: cleanText(c.Author), Approver: cleanText(c.ApprovedBy)}
			if !row.ExpiresAt.IsZero() {
				row.ExpiresAt = time.UnixMicro(row.ExpiresAt.UnixMicro())
			}
			if v := b.Get([]byte(c.ID)); v != nil {
				var old curatedRow
				if err := json.Unmarshal(v, &old); err != nil {
					return fmt.Errorf("curated answer %s: %w", c.ID, err)
				}
				row.Hits, row.LastHit = old.Hits, old.LastHit
			}
			v, err := json.Marshal(row)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(c.ID), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("memstore: put curated: %w", err)
	}
	return nil
}

// CuratedHit counts one use of a curated answer and records when; an unknown id is no
// error.
func (s *Store) CuratedHit(ctx context.Context, id string) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := s.batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCurated)
		v := b.Get([]byte(id))
		if v == nil {
			return nil
		}
		var row curatedRow
		if err := json.Unmarshal(v, &row); err != nil {
			return err
		}
		row.Hits++
		if now.After(row.LastHit) {
			row.LastHit = now
		}
		nv, err := json.Marshal(row)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), nv)
	})
	if err != nil {
		return fmt.Errorf("memstore: curated hit: %w", err)
	}
	return nil
}

// feedbackRow is a rating, keyed by its message id.
type feedbackRow struct {
	Rating  string `json:"rating"`
	Comment string `json:"comment"`
	Created int64  `json:"created_at"` // microseconds since 1970
}

// SaveFeedback stores a rating of a message, replacing an earlier one;
// conversation.ErrUnknownMessage when there is no such message.
func (s *Store) SaveFeedback(ctx context.Context, f conversation.Feedback) error {
	if f.Rating != conversation.RatingUp && f.Rating != conversation.RatingDown {
		return fmt.Errorf("memstore: save feedback: rating %q is not up or down", f.Rating)
	}
	created := f.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	id := cleanText(f.MessageID)
	v, err := json.Marshal(feedbackRow{Rating: f.Rating, Comment: cleanText(f.Comment), Created: created.UnixMicro()})
	if err != nil {
		return fmt.Errorf("memstore: save feedback: %w", err)
	}
	err = s.batch(func(tx *bolt.Tx) error {
		if id == "" || tx.Bucket(bucketMessages).Get([]byte(id)) == nil {
			return conversation.ErrUnknownMessage
		}
		return tx.Bucket(bucketFeedback).Put([]byte(id), v)
	})
	if errors.Is(err, conversation.ErrUnknownMessage) {
		return conversation.ErrUnknownMessage
	}
	if err != nil {
		return fmt.Errorf("memstore: save feedback: %w", err)
	}
	return nil
}

// Feedback returns the rating of a message; conversation.ErrNotFound when it has none.
func (s *Store) Feedback(ctx context.Context, messageID string) (conversation.Feedback, error) {
	f := conversation.Feedback{MessageID: messageID}
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketFeedback).Get([]byte(cleanText(messageID)))
		if v == nil {
			return conversation.ErrNotFound
		}
		var row feedbackRow
		if err := json.Unmarshal(v, &row); err != nil {
			return err
		}
		f.Rating, f.Comment, f.CreatedAt = row.Rating, row.Comment, time.UnixMicro(row.Created)
		return nil
	})
	if errors.Is(err, conversation.ErrNotFound) {
		return f, conversation.ErrNotFound
	}
	if err != nil {
		return f, fmt.Errorf("memstore: feedback: %w", err)
	}
	return f, nil
}

// LineEventRetention is how long LINE webhook event ids are remembered for
// deduplication, as pgstore.
const LineEventRetention = 7 * 24 * time.Hour

// purgeEvery is the share of MarkEvent calls (1 in purgeEvery) that also purge old
// event ids.
const purgeEvery = 256

// MarkEvent records a LINE webhook event id; first is false when it was recorded before
// (LINE redelivered it).
func (s *Store) MarkEvent(ctx context.Context, webhookEventID string) (first bool, err error) {
	id := []byte(cleanText(webhookEventID))
	if len(id) == 0 {
		return false, errors.New("memstore: mark event: no id")
	}
	err = s.batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLine)
		first = b.Get(id) == nil
		if !first {
			return nil
		}
		return b.Put(id, appendTime(nil, time.Now()))
	})
	if err != nil {
		return false, fmt.Errorf("memstore: mark event: %w", err)
	}
	if rand.IntN(purgeEvery) == 0 {
		if _, err := s.PurgeLineEvents(ctx, time.Now().Add(-LineEventRetention)); err != nil {
			s.log.Warn("purge line events", "err", err)
		}
	}
	return first, nil
}

// PurgeLineEvents forgets the LINE webhook event ids recorded before a time.
func (s *Store) PurgeLineEvents(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketLine)
		var old [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			if len(v) == 8 && readTime(v).Before(before) {
				old = append(old, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("memstore: purge line events: %w", err)
	}
	return n, nil
}

// batch runs a small write in a transaction shared with the writes of other
// goroutines made at the same moment: one fsync for all of them. fn may run more than
// once, so it must decide everything from tx.
func (s *Store) batch(fn func(tx *bolt.Tx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return s.db.Batch(fn)
}
