package memstore_test

import (
	"testing"

	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/storetest"
)

// TestSyncChangedFile: a file changed while an ingest reads it fails the run and
// changes nothing (storetest.RunChangedFile).
func TestSyncChangedFile(t *testing.T) {
	s := open(t, t.TempDir(), &retrievaltest.CountingEmbedder{Dim: 32})
	storetest.RunChangedFile(t, s, func() int { n, _ := s.Size(); return n })
}
