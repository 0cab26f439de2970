package bot_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/memstore"
)

// gatedSearch holds every search until its gate opens, and counts the searches
// under way at once.
type gatedSearch struct {
	bot.Store
	gate chan struct{}

	mu                 sync.Mutex
	now, most, started int
}

func (g *gatedSearch) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	g.mu.Lock()
	g.now++
	g.started++
	g.most = max(g.most, g.now)
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.now--
		g.mu.Unlock()
	}()
	select {
	case <-g.gate:
		return []retrieval.Hit{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestMaxSearches: no more searches run at once than Config.MaxSearches; a search
// that waits longer than the store's deadline for its turn gets the store's error
// without reaching the store, and the others go on when the turn comes.
func TestMaxSearches(t *testing.T) {
	ctx := context.Background()
	he := hashembed.New(64)
	ms, err := memstore.Open(ctx, t.TempDir(), he, memstore.EmbedderInfo{Name: he.Name(), Dim: he.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	store := &gatedSearch{Store: ms, gate: make(chan struct{})}
	const slots, asks = 2, 5
	e, err := bot.New(bot.Config{Store: store, StoreTimeout: 500 * time.Millisecond, MaxSearches: slots})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(ctx) })

	errs := make(chan error, asks)
	for range asks {
		go func() {
			_, err := e.Ask(ctx, bot.Request{Message: "路邊停車費要怎麼繳", Channel: "cli"}, nil)
			errs <- err
		}()
	}
	// Every search holds its turn until the store's deadline ends it: the two that
	// have a turn fail on the store, the three waiting on their wait.
	var unavailable int
	for range asks {
		if err := <-errs; errors.Is(err, bot.ErrUnavailable) {
			unavailable++
		} else {
			t.Errorf("Ask with the store stuck: %v, want bot.ErrUnavailable", err)
		}
	}
	store.mu.Lock()
	most, started := store.most, store.started
	store.mu.Unlock()
	if most > slots {
		t.Errorf("%d searches at once, want at most %d", most, slots)
	}
	if started >= asks {
		t.Errorf("%d of %d asks reached the store: the ones that waited past the deadline should not", started, asks)
	}

	// With the store answering, asks beyond the slots wait their turn and all finish.
	close(store.gate)
	var wg sync.WaitGroup
	for range 3 * slots {
		wg.Go(func() {
			if _, err := e.Ask(ctx, bot.Request{Message: "路邊停車費要怎麼繳", Channel: "cli"}, nil); err != nil {
				t.Errorf("Ask: %v", err)
			}
		})
	}
	wg.Wait()
	store.mu.Lock()
	defer store.mu.Unlock()
	if store.most > slots {
		t.Errorf("%d searches at once, want at most %d", store.most, slots)
	}
}
