package pgstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

func TestMarkEvent(t *testing.T) {
	ctx := context.Background()
	url := pgtest.New(t)
	e := hashembed.New(hashembed.DefaultDim)
	info := pgstore.EmbedderInfo{Name: e.Name(), Dim: e.Dim()}
	// Two stores on one database: two replicas.
	var replicas [2]*pgstore.Store
	for i := range replicas {
		s, err := pgstore.Open(ctx, url, e, info, quiet)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		replicas[i] = s
	}

	const id = "01FZ74A0TDDPYRVKNK77XKC3ZR"
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			first, err := replicas[i%2].MarkEvent(ctx, id)
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if firsts.Load() != 1 {
		t.Errorf("%d callers were first for one event, want 1", firsts.Load())
	}
	if first, err := replicas[0].MarkEvent(ctx, "odd\x00id\xff"); err != nil || !first {
		t.Errorf("an id with a NUL byte: %v, %v", first, err)
	}

	n, err := replicas[0].PurgeLineEvents(ctx, time.Now().Add(-time.Hour))
	if err != nil || n != 0 {
		t.Errorf("purge of older events: %d, %v; want none", n, err)
	}
	if n, err := replicas[1].PurgeLineEvents(ctx, time.Now().Add(time.Minute)); err != nil || n != 2 {
		t.Errorf("purge: %d, %v; want 2", n, err)
	}
	if first, err := replicas[0].MarkEvent(ctx, id); err != nil || !first {
		t.Errorf("after the purge: %v, %v; want the event new again", first, err)
	}
}
