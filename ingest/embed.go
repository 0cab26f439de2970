package ingest

import (
	"context"
	"fmt"
	"runtime"

	"github.com/tmc/langchaingo/embeddings"
	"golang.org/x/sync/errgroup"
)

// EmbedBatch is how many texts go to the embedder in one call.
const EmbedBatch = 256

// Embed embeds texts in batches, up to GOMAXPROCS batches at a time, and returns the
// vectors in the order of texts. progress, if set, is called after each batch.
func Embed(ctx context.Context, e embeddings.Embedder, texts []string, progress func(done int)) ([][]float32, error) {
	out := make([][]float32, len(texts))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	done := make(chan int, len(texts)/EmbedBatch+1)
	errc := make(chan error, 1)
	go func() {
		errc <- embedAll(ctx, g, e, texts, out, done)
		close(done)
	}()
	n := 0
	for d := range done {
		n += d
		if progress != nil {
			progress(n)
		}
	}
	if err := <-errc; err != nil {
		return nil, err
	}
	return out, nil
}

// embedAll starts a goroutine per batch, as many at a time as g allows, and waits.
func embedAll(ctx context.Context, g *errgroup.Group, e embeddings.Embedder, texts []string, out [][]float32, done chan<- int) error {
	for lo := 0; lo < len(texts); lo += EmbedBatch {
		hi := min(lo+EmbedBatch, len(texts))
		g.Go(func() error {
			vs, err := e.EmbedDocuments(ctx, texts[lo:hi])
			if err != nil {
				return fmt.Errorf("ingest: embed: %w", err)
			}
			if len(vs) != hi-lo {
				return fmt.Errorf("ingest: embed: %d vectors for %d texts", len(vs), hi-lo)
			}
			copy(out[lo:hi], vs)
			done <- hi - lo
			return nil
		})
	}
	return g.Wait()
}
