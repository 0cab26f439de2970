package memstore_test

import (
	"testing"

	"github.com/civicbot/civicbot/retrieval/retrievaltest"
)

// TestDrugWordsValidFirst: valid licences first in the drug-word leg (retrievaltest).
func TestDrugWordsValidFirst(t *testing.T) {
	retrievaltest.RunDrugWords(t, open(t, t.TempDir(), &retrievaltest.CountingEmbedder{Dim: 32}))
}
