package retrievaltest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
)

// DrugWordStore is what RunDrugWords needs of a store: syncs, its legs, and statuses
// set by staff.
type DrugWordStore interface {
	Sync(ctx context.Context, batches []*ingest.Batch, opt ingest.SyncOptions) (ingest.SyncStats, error)
	Candidates(ctx context.Context, legs []retrieval.Leg, f retrieval.Filter) ([][]retrieval.DocRef, error)
	SetStatus(ctx context.Context, dataset, key string, status corpus.Status) error
}

// RunDrugWords checks that the drug-word leg (a generic name on many licences) gives
// valid licences before cancelled ones, then the shortest passage first, and that a
// status changed by staff or by the data reorders it. s must be empty.
func RunDrugWords(t *testing.T, s DrugWordStore) {
	ctx := context.Background()
	snap := time.Date(2026, 9, 29, 0, 0, 0, 0, time.UTC)
	licence := func(key, name, more string, status corpus.Status) ingest.Record {
		return ingest.Record{Dataset: corpus.DatasetDrug, Key: key, Facet: corpus.FacetLicence, Title: name,
			URL: "https://mcp.fda.gov.tw/im_detail_1/" + key, Text: "中文品名：" + name + "\n" + more, Status: status,
			Fields: map[string]any{"name_zh": name}, Snapshot: snap}
	}
	short := licence("衛署藥製字第000001號", "法莫錠", "英文品名：FAMOTIDINE", corpus.StatusCancelled)
	mid := licence("衛署藥製字第000002號", "法莫替丁膜衣錠", "英文品名：FAMOTIDINE F.C. TABLETS 20MG\n適應症：胃潰瘍", corpus.StatusActive)
	long := licence("衛署藥製字第000003號", "胃舒法莫替丁膜衣錠", "英文品名：FAMOTIDINE FILM COATED TABLETS 40MG\n適應症：胃潰瘍、十二指腸潰瘍、吻合部潰瘍", corpus.StatusActive)
	sync := func(rs ...ingest.Record) {
		t.Helper()
		b := &ingest.Batch{Source: "tfda-36", Format: "test", Files: []string{"tfda-36.csv"}, Snapshot: snap, Records: rs, Seen: len(rs)}
		if _, err := s.Sync(ctx, []*ingest.Batch{b}, ingest.SyncOptions{}); err != nil {
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
