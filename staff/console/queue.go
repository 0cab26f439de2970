package console

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/civicbot/civicbot/staff"
)

// Freshness of the review queue. Grouping the waiting turns reads every one of them
// (about 14,000 of 100,000 turns: a second on either store), so the grouped queue is
// kept and served at once, and what staff do with it here applies at once. A request
// first asks the store for waiting turns newer than the newest loaded (a walk of the
// time index that stops at once when there are none) and reloads when there are; the
// changes that probe cannot see (a 👎 on an older turn, a turn dealt with on another
// replica) show within reviewFresh, when the queue reloads in the background.
const (
	reviewFresh = 30 * time.Second
	// reviewLoadTimeout bounds one load, which no single request's cancellation stops.
	reviewLoadTimeout = time.Minute
)

// reviewQueue is the grouped review queue of one server.
type reviewQueue struct {
	data staff.Conversations
	now  func() time.Time

	mu     sync.Mutex
	items  []staff.ReviewItem
	newest staff.Cursor  // the newest waiting turn loaded
	loaded time.Time     // when the load that gave items started
	err    error         // the last load's error, for those waiting on it
	done   chan struct{} // closed when the running load ends; nil when none runs
	// marked holds the turns dealt with here, and when: hidden from items loaded
	// before that time.
	marked map[string]time.Time
}

func newReviewQueue(data staff.Conversations, now func() time.Time) *reviewQueue {
	return &reviewQueue{data: data, now: now, marked: map[string]time.Time{}}
}

// Items returns the grouped queue, most asked first.
func (q *reviewQueue) Items(ctx context.Context) ([]staff.ReviewItem, error) {
	// The store is asked without the lock: one slow request must not stall the others.
	q.mu.Lock()
	have, newest := q.items != nil, q.newest
	q.mu.Unlock()
	if have {
		newer, err := q.newer(ctx, newest)
		if err != nil {
			return nil, err
		}
		if !newer {
			q.mu.Lock()
			defer q.mu.Unlock()
			if q.now().Sub(q.loaded) >= reviewFresh {
				q.startLoad()
			}
			return q.visible(), nil
		}
	}
	q.mu.Lock()
	done := q.startLoad()
	q.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.items == nil {
		return nil, q.err
	}
	return q.visible(), nil
}

// newer reports whether turns started waiting after newest, the newest loaded. The
// store lists newest first (time, then id): the first waiting turn from newest's
// time on is newest itself unless one came after it.
func (q *reviewQueue) newer(ctx context.Context, newest staff.Cursor) (bool, error) {
	rows, err := q.data.Conversations(ctx, staff.TurnFilter{Review: true, From: newest.At, Limit: 1})
	if err != nil || len(rows) == 0 {
		return false, err
	}
	return rows[0].MessageID != newest.ID || !rows[0].CreatedAt.Equal(newest.At), nil
}

// Marked hides turns that staff dealt with.
func (q *reviewQueue) Marked(ids []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	at := q.now()
	for _, id := range ids {
		q.marked[id] = at
	}
}

// startLoad starts a load unless one runs, and returns its end. q.mu is held.
func (q *reviewQueue) startLoad() <-chan struct{} {
	if q.done != nil {
		return q.done
	}
	done := make(chan struct{})
	q.done = done
	start := q.now()
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), reviewLoadTimeout)
		defer cancel()
		rows, err := q.data.Conversations(ctx, staff.TurnFilter{Review: true, Limit: maxReview})
		var items []staff.ReviewItem
		if err == nil {
			items = staff.Group(rows)
			if items == nil {
				items = []staff.ReviewItem{}
			}
		}
		q.mu.Lock()
		defer q.mu.Unlock()
		q.done, q.err = nil, err
		if err != nil {
			return
		}
		q.items, q.loaded, q.newest = items, start, staff.Cursor{}
		if len(rows) > 0 {
			q.newest = staff.Cursor{At: rows[0].CreatedAt, ID: rows[0].MessageID}
		}
		// Marks older than this load are in its data.
		for id, at := range q.marked {
			if at.Before(start) {
				delete(q.marked, id)
			}
		}
	}()
	return done
}

// visible is the loaded queue without the turns marked since. q.mu is held.
func (q *reviewQueue) visible() []staff.ReviewItem {
	if len(q.marked) == 0 {
		return slices.Clone(q.items)
	}
	out := make([]staff.ReviewItem, 0, len(q.items))
	for _, it := range q.items {
		if !slices.ContainsFunc(it.IDs, func(id string) bool { _, ok := q.marked[id]; return ok }) {
			out = append(out, it)
			continue
		}
		var ids []string
		for _, id := range it.IDs {
			if _, ok := q.marked[id]; !ok {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		// Part of a group dealt with: the rest still waits (its newest turn may be gone,
		// so the group keeps its question and is named by a turn that remains).
		it.IDs, it.Count, it.ID = ids, len(ids), ids[0]
		out = append(out, it)
	}
	return out
}
