package pgstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

// TestDrugWordsValidFirst: the drug-word leg (a generic name on many licences) gives
// valid licences before cancelled ones, then the shortest passage first; a status
// changed by staff or by the data reorders it (memstore has the same test).
func TestDrugWordsValidFirst(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.New(t), &retrievaltest.CountingEmbedder{Dim: 32})
	short := licence("衛署藥製字第000001號", "法莫錠", true)
	short.Text += "\n英文品名：FAMOTIDINE"
	mid := licence("衛署藥製字第000002號", "法莫替丁膜衣錠", false)
	mid.Text += "\n英文品名：FAMOTIDINE F.C. TABLETS 20MG\n適應症：胃潰瘍"
	long := licence("衛署藥製字第000003號", "胃舒法莫替丁膜衣錠", false)
	long.Text += "\n英文品名：FAMOTIDINE FILM COATED TABLETS 40MG\n適應症：胃潰瘍、十二指腸潰瘍、吻合部潰瘍"
	sync := func(rs ...ingest.Record) {
		t.Helper()
		if _, err := s.Sync(ctx, []*ingest.Batch{batch("tfda-36", rs...)}, ingest.SyncOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	order := func(when string, want ...ingest.Record) {
		t.Helper()
		leg := retrieval.Leg{Kind: retrieval.LegDrugWords, Words: []string{"famotidine"}, Limit: 10}
		got, err := s.Candidates(ctx, []retrieval.Leg{leg}, retrieval.Filter{Statuses: []string{string(corpus.StatusActive), string(corpus.StatusCancelled)}})
		if err != nil {
			t.Fatal(err)
		}
		var keys, wantKeys []string
		for _, r := range got[0] {
			keys = append(keys, r.Key)
		}
		for _, r := range want {
			wantKeys = append(wantKeys, r.Key)
		}
		if !slices.Equal(keys, wantKeys) {
			t.Errorf("%s: drug-word leg %v, want %v", when, keys, wantKeys)
		}
	}
	sync(short, mid, long)
	order("cancelled shortest", mid, long, short)

	if err := s.SetStatus(ctx, corpus.DatasetDrug, mid.Key, corpus.StatusCancelled); err != nil {
		t.Fatal(err)
	}
	order("set cancelled by staff", long, short, mid)
	if err := s.SetStatus(ctx, corpus.DatasetDrug, short.Key, corpus.StatusActive); err != nil {
		t.Fatal(err)
	}
	order("set active by staff", short, long, mid)

	// The data cancels the longest (a changed record: its document is written again).
	cancelled := long
	cancelled.Status, cancelled.Text = corpus.StatusCancelled, long.Text+"\n註銷狀態：已註銷"
	sync(short, mid, cancelled)
	order("cancelled by the data", short, mid, long)
}
