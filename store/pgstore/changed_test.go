package pgstore_test

import (
	"testing"

	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	"github.com/civicbot/civicbot/store/storetest"
)

// TestSyncChangedFile: a file changed while an ingest reads it fails the run and
// changes nothing (storetest.RunChangedFile).
func TestSyncChangedFile(t *testing.T) {
	s := open(t, pgtest.New(t), &retrievaltest.CountingEmbedder{Dim: 32})
	storetest.RunChangedFile(t, s, func() int { return count(t, s, `SELECT count(*) FROM documents`) })
}
