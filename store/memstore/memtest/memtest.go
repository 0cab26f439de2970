// Package memtest gives tests an embedded store holding the bundled open data, as
// pgtest.Bundled does for PostgreSQL.
package memtest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/opendata"
	"github.com/civicbot/civicbot/ingest/taipei"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/memstore"
)

// The store's file holding the bundled data, loaded once per test binary (a load takes
// minutes under the race detector) and copied for each store.
var (
	once    sync.Once
	file    []byte
	loadErr error
)

// Bundled returns an embedded store of its own, in a temporary folder, holding the
// bundled data, with the offline embedder; it is closed when the test ends.
func Bundled(t testing.TB) *memstore.Store {
	t.Helper()
	ctx := context.Background()
	he := hashembed.New(hashembed.DefaultDim)
	open := func(dir string) (*memstore.Store, error) {
		return memstore.Open(ctx, dir, he, memstore.EmbedderInfo{Name: he.Name(), Dim: he.Dim()}, slog.New(slog.DiscardHandler))
	}
	once.Do(func() {
		dir, err := os.MkdirTemp("", "civicbot-bundled")
		if err != nil {
			loadErr = err
			return
		}
		defer os.RemoveAll(dir)
		s, err := open(dir)
		if err != nil {
			loadErr = err
			return
		}
		batches, err := opendata.Load(ctx, append(tfda.Formats(), taipei.Formats(time.Now)...), nil)
		if err == nil {
			_, err = s.Sync(ctx, batches, ingest.SyncOptions{})
		}
		s.Close()
		if err != nil {
			loadErr = err
			return
		}
		file, loadErr = os.ReadFile(filepath.Join(dir, memstore.FileName))
	})
	if loadErr != nil {
		t.Fatalf("bundled data in the embedded store: %v", loadErr)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, memstore.FileName), file, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
