package main

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/opendata"
)

// bundledBatches reads the open data shipped inside the binary (ingest/opendata): copies
// of TFDA and Taipei City exports, so that a fresh machine answers at once.
func (a *app) bundledBatches(ctx context.Context, p *progress) ([]*ingest.Batch, error) {
	return opendata.Load(ctx, formats(), func(file string, done, total int64) { p.set("read bundled "+file, done, total, "bytes") })
}

// openLoadedStore opens the store for a command that reads it (serve, ask, search, eval):
// an embedded store still empty is loaded with the bundled open data first.
func (a *app) openLoadedStore(ctx context.Context) (store, error) {
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.firstStart(ctx, s); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// firstStart loads the bundled open data into an empty embedded store.
func (a *app) firstStart(ctx context.Context, s store) error {
	sized, ok := s.(interface {
		Size() (documents, chunks int)
	})
	if !ok {
		return nil
	}
	if docs, _ := sized.Size(); docs > 0 {
		return nil
	}
	fmt.Fprintf(a.stderr, "civicbot: first start: loading the bundled open data (TFDA drug data, Taipei City FAQ) into %s\n", a.cfg.DataDir)
	start := time.Now()
	p := a.newProgress()
	defer p.finish()
	batches, err := a.bundledBatches(ctx, p)
	if err != nil {
		return err
	}
	st, err := s.Sync(ctx, batches, ingest.SyncOptions{
		Allow:    a.cfg.Allow,
		Progress: func(stage string, done, total int) { p.set(stage, int64(done), int64(total), "chunks") },
	})
	p.finish()
	if err != nil {
		return fmt.Errorf("first start: loading the bundled data: %w", err)
	}
	fmt.Fprintf(a.stderr, "civicbot: first start: %d documents loaded in %.1fs (%d rejected rows, not loaded:)\n",
		st.Documents, time.Since(start).Seconds(), st.Rejected)
	printed := 0
	for _, b := range batches {
		for _, r := range b.Rejects {
			if printed++; printed <= maxRejectLines {
				fmt.Fprintf(a.stderr, "  rejected %s\n", bundledName(r.String()))
			}
		}
	}
	if printed > maxRejectLines {
		fmt.Fprintf(a.stderr, "  ... and %d more; `civicbot ingest --bundled --force` lists them all\n", printed-maxRejectLines)
	}
	for _, b := range batches {
		if b.Text.Broken > 0 {
			fmt.Fprintf(a.stderr, "  source %s: %d broken characters (U+FFFD, lost by the export's encoding): %d repaired, %d left visible\n",
				b.Source, b.Text.Broken, b.Text.Repaired, b.Text.Broken-b.Text.Repaired)
		}
	}
	return nil
}

// bundledName names a bundled file as the bundle does (taipei/faq.xml), not by the
// temporary directory it was read from.
func bundledName(s string) string {
	return tmpBundle.ReplaceAllString(s, "bundled ")
}

var tmpBundle = regexp.MustCompile(`\S*civicbot-opendata-[^/\\]+[/\\]`)
