package memstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/civicbot/civicbot/conversation"
	bolt "go.etcd.io/bbolt"
)

// The LINE outbox, as pgstore's line_outbox: events acknowledged to LINE and their
// answers until delivered, claimed under a lease. One process opens the file, but
// leases still matter: a process killed without releasing its items leaves them to
// the next one once their leases end.

var _ conversation.Outbox = (*Store)(nil)

// outboxRow is an outbox item as the file keeps it.
type outboxRow struct {
	ID         string    `json:"id"`
	Chat       string    `json:"chat"`
	Event      []byte    `json:"event"`
	Received   time.Time `json:"received"`
	RetryKey   string    `json:"retry_key"`
	Answer     []byte    `json:"answer,omitempty"`
	Sends      int       `json:"sends,omitempty"`
	Uncertain  bool      `json:"uncertain,omitempty"`
	NotBefore  time.Time `json:"not_before"`
	Owner      string    `json:"owner,omitempty"`
	LeaseUntil time.Time `json:"lease_until"`
	Claims     int       `json:"claims,omitempty"`
}

func (r *outboxRow) item() conversation.OutboxItem {
	return conversation.OutboxItem{ID: r.ID, Chat: r.Chat, Event: r.Event, Received: r.Received, RetryKey: r.RetryKey,
		Answer: r.Answer, Sends: r.Sends, Uncertain: r.Uncertain, NotBefore: r.NotBefore, Claims: r.Claims}
}

// AcceptEvents records LINE events and puts the new ones in the outbox, in one
// transaction (committed to disk before it returns): fresh[i] is false when items[i]'s
// id was recorded before. When it returns an error nothing was recorded.
func (s *Store) AcceptEvents(ctx context.Context, items []conversation.OutboxItem) (fresh []bool, err error) {
	err = s.batch(func(tx *bolt.Tx) error {
		fresh = make([]bool, len(items))
		seen, box, ids := tx.Bucket(bucketLine), tx.Bucket(bucketOutbox), tx.Bucket(bucketOutboxIDs)
		now := time.Now()
		for i, it := range items {
			id := []byte(cleanText(it.ID))
			if len(id) == 0 {
				return errors.New("an event without an id")
			}
			if seen.Get(id) != nil {
				continue
			}
			fresh[i] = true
			if err := seen.Put(id, appendTime(nil, now)); err != nil {
				return err
			}
			seq, err := box.NextSequence()
			if err != nil {
				return err
			}
			row := outboxRow{ID: string(id), Chat: cleanText(it.Chat), Event: it.Event, Received: it.Received,
				RetryKey: it.RetryKey, NotBefore: now}
			if err := putRow(box, seq, &row); err != nil {
				return err
			}
			if err := ids.Put(id, u64(seq)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: accept line events: %w", err)
	}
	return fresh, nil
}

func putRow(box *bolt.Bucket, seq uint64, r *outboxRow) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return box.Put(u64(seq), b)
}

// ClaimEvents leases up to max outbox items to owner: the oldest item of each chat,
// when it is not leased to another owner (or its lease expired) and not deferred.
func (s *Store) ClaimEvents(ctx context.Context, owner string, max int, lease time.Duration) ([]conversation.OutboxItem, error) {
	if max <= 0 || lease <= 0 {
		return nil, errors.New("memstore: claim line events: want a positive count and lease")
	}
	var out []conversation.OutboxItem
	err := s.update(func(tx *bolt.Tx) error {
		out = out[:0]
		box := tx.Bucket(bucketOutbox)
		now := time.Now()
		chats := map[string]bool{}
		c := box.Cursor()
		for k, v := c.First(); k != nil && len(out) < max; k, v = c.Next() {
			var r outboxRow
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("outbox row %x: %w", k, err)
			}
			if chats[r.Chat] {
				continue // a chat's later items wait for its first
			}
			chats[r.Chat] = true
			if (r.Owner != "" && now.Before(r.LeaseUntil)) || now.Before(r.NotBefore) {
				continue
			}
			r.Owner, r.LeaseUntil, r.Claims = owner, now.Add(lease), r.Claims+1
			if err := putRow(box, binary.BigEndian.Uint64(k), &r); err != nil {
				return err
			}
			out = append(out, r.item())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: claim line events: %w", err)
	}
	return out, nil
}

// held runs fn on the row of an item owner holds; fn returns false to delete it.
func (s *Store) held(owner, id string, fn func(r *outboxRow) (keep bool)) error {
	return s.batch(func(tx *bolt.Tx) error {
		box, ids := tx.Bucket(bucketOutbox), tx.Bucket(bucketOutboxIDs)
		key := []byte(cleanText(id))
		seqb := ids.Get(key)
		if seqb == nil {
			return conversation.ErrLeaseLost
		}
		seq := binary.BigEndian.Uint64(seqb)
		var r outboxRow
		v := box.Get(u64(seq))
		if v == nil {
			return conversation.ErrLeaseLost
		}
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if r.Owner != owner {
			return conversation.ErrLeaseLost
		}
		if fn(&r) {
			return putRow(box, seq, &r)
		}
		if err := ids.Delete(key); err != nil {
			return err
		}
		return box.Delete(u64(seq))
	})
}

// SaveEvent records what a worker did with an item it holds; release ends the lease.
// conversation.ErrLeaseLost when owner no longer holds it.
func (s *Store) SaveEvent(ctx context.Context, owner string, it conversation.OutboxItem, release bool) error {
	err := s.held(owner, it.ID, func(r *outboxRow) bool {
		r.Answer, r.Sends, r.Uncertain, r.NotBefore = it.Answer, it.Sends, it.Uncertain, it.NotBefore
		if release {
			r.Owner, r.LeaseUntil = "", time.Time{}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("memstore: save line event: %w", err)
	}
	return nil
}

// FinishEvent removes a delivered (or abandoned) item from the outbox; its id stays
// recorded, so that a redelivery is not answered again.
func (s *Store) FinishEvent(ctx context.Context, owner, id string) error {
	if err := s.held(owner, id, func(*outboxRow) bool { return false }); err != nil {
		return fmt.Errorf("memstore: finish line event: %w", err)
	}
	return nil
}

// RenewLeases extends the leases of every item owner holds to lease from now; 0
// releases them.
func (s *Store) RenewLeases(ctx context.Context, owner string, lease time.Duration) (int64, error) {
	var n int64
	err := s.batch(func(tx *bolt.Tx) error {
		n = 0
		box := tx.Bucket(bucketOutbox)
		now := time.Now()
		type change struct {
			seq uint64
			row outboxRow
		}
		var changes []change
		if err := box.ForEach(func(k, v []byte) error {
			var r outboxRow
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.Owner != owner {
				return nil
			}
			if lease > 0 {
				r.LeaseUntil = now.Add(lease)
			} else {
				r.Owner, r.LeaseUntil = "", time.Time{}
			}
			changes = append(changes, change{binary.BigEndian.Uint64(k), r})
			return nil
		}); err != nil {
			return err
		}
		for _, c := range changes {
			if err := putRow(box, c.seq, &c.row); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("memstore: renew line leases: %w", err)
	}
	return n, nil
}
