package bot

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval"
)

// curatedTTL is how long the engine reuses the list of curated answers before reading
// it again: an approval or retirement shows within this time on every replica, and at
// once on a store that announces changes (curatedWatcher).
const curatedTTL = 30 * time.Second

// curatedWatcher is a store that says when curated answers change in any process
// that shares it (PostgreSQL's LISTEN/NOTIFY): replicas then read them again at once.
type curatedWatcher interface {
	// WatchCurated calls changed after every change, and whenever changes may have
	// gone unannounced (a lost connection), until ctx ends.
	WatchCurated(ctx context.Context, changed func())
}

// watchCurated refreshes the curated answers whenever the store says they changed.
func (e *Engine) watchCurated(w curatedWatcher) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	e.stopWatch = func() {
		cancel()
		<-done
	}
	go func() {
		defer close(done)
		w.WatchCurated(ctx, e.curatedChanged)
	}()
}

// curatedChanged starts reading the curated answers again without making any answer
// wait: until the new list is in, the old one is used. A refresh already under way
// may have read before the change, so another follows it.
func (e *Engine) curatedChanged() {
	e.curatedMu.Lock()
	defer e.curatedMu.Unlock()
	if e.curatedRefresh != nil {
		e.curatedAgain = true
		return
	}
	done := make(chan struct{})
	e.curatedRefresh = done
	e.bgWork.Go(func() { e.refreshCurated(done) })
}

// matchCurated finds the approved, unexpired curated answer whose question (or one of
// its variants) is the message, or near enough to it.
func (e *Engine) matchCurated(ctx context.Context, t *turn) (conversation.Curated, bool) {
	list := e.curatedList(ctx)
	if len(list) == 0 {
		return conversation.Curated{}, false
	}
	best, score := MatchCurated(list, t.question, e.now())
	if t.trace != nil && score > 0 {
		t.trace.Curated = &CuratedMatch{ID: best.ID, Score: score, Threshold: e.threshold}
	}
	if score >= e.threshold {
		return best, true
	}
	return conversation.Curated{}, false
}

// ReloadCurated makes the next answer read the curated answers again: staff changed
// them in this process. Other replicas see the change within curatedTTL.
func (e *Engine) ReloadCurated() {
	e.curatedMu.Lock()
	e.curatedLoaded = time.Time{}
	e.curatedMu.Unlock()
}

// CuratedThreshold is the similarity from which a curated answer is given.
func (e *Engine) CuratedThreshold() float64 { return e.threshold }

// curatedList returns the curated answers, read again from the store once curatedTTL
// has passed. The store is read outside the lock, by one refresh at a time under its
// own deadline, so that a slow store never holds other answers: while a refresh runs,
// the list already loaded is used; before the first load, a turn waits for it at most
// until its own store deadline.
func (e *Engine) curatedList(ctx context.Context) []conversation.Curated {
	e.curatedMu.Lock()
	list, loaded := e.curated, e.curatedLoaded
	if !loaded.IsZero() && e.now().Sub(loaded) <= curatedTTL {
		e.curatedMu.Unlock()
		return list
	}
	done := e.curatedRefresh
	if done == nil {
		done = make(chan struct{})
		e.curatedRefresh = done
		e.bgWork.Go(func() { e.refreshCurated(done) })
	}
	e.curatedMu.Unlock()
	if !loaded.IsZero() {
		return list
	}
	wait, cancel := context.WithTimeout(ctx, e.storeTimeout)
	defer cancel()
	select {
	case <-done:
	case <-wait.Done():
		return nil
	}
	e.curatedMu.Lock()
	defer e.curatedMu.Unlock()
	return e.curated
}

// refreshCurated reads the curated answers into the cache and closes done.
func (e *Engine) refreshCurated(done chan struct{}) {
	ctx, cancel := context.WithTimeout(e.bg, e.storeTimeout)
	defer cancel()
	list, err := e.store.CuratedAnswers(ctx)
	e.curatedMu.Lock()
	defer e.curatedMu.Unlock()
	if err != nil {
		// Answer from retrieval (or the old list) rather than fail: the next turn tries again.
		e.log.Warn("curated answers", "err", err)
	} else {
		e.curated, e.curatedLoaded = list, e.now()
	}
	e.curatedRefresh = nil
	close(done)
	if e.curatedAgain && e.bg.Err() == nil {
		e.curatedAgain = false
		again := make(chan struct{})
		e.curatedRefresh = again
		e.bgWork.Go(func() { e.refreshCurated(again) })
	}
}

// MatchCurated returns the curated answer closest to a question, with its similarity
// from 0 to 1: 1 when the question equals one of its questions once case, width,
// spaces and punctuation are set aside; otherwise the Dice similarity of their
// tokens. Only approved answers that have not expired are considered.
func MatchCurated(list []conversation.Curated, q string, now time.Time) (conversation.Curated, float64) {
	key := matchKey(q)
	qt := tokenSet(q)
	var (
		best  conversation.Curated
		score float64
	)
	for _, c := range list {
		if c.Status != conversation.CuratedApproved || (!c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt)) {
			continue
		}
		for _, v := range c.Questions {
			s := 0.0
			if key != "" && matchKey(v) == key {
				s = 1
			} else {
				s = dice(qt, tokenSet(v))
			}
			if s > score {
				best, score = c, s
			}
		}
	}
	return best, score
}

func matchKey(s string) string {
	s = strings.ToLower(retrieval.Normalize(s))
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func tokenSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, t := range retrieval.Tokens(retrieval.Normalize(s)) {
		m[t] = true
	}
	return m
}

func dice(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	n := 0
	for t := range a {
		if b[t] {
			n++
		}
	}
	return 2 * float64(n) / float64(len(a)+len(b))
}
