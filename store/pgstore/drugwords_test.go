package pgstore_test

import (
	"testing"

	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// TestDrugWordsValidFirst: valid licences first in the drug-word leg (retrievaltest).
func TestDrugWordsValidFirst(t *testing.T) {
	retrievaltest.RunDrugWords(t, open(t, pgtest.New(t), &retrievaltest.CountingEmbedder{Dim: 32}))
}
