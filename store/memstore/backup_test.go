package memstore_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/memstore"
)

// TestBackupRestores: the copy Backup writes, placed in an empty directory, opens as a
// store with the same documents, search results, turns and curated answers; the
// original keeps serving, and a closed store refuses.
func TestBackupRestores(t *testing.T) {
	ctx := t.Context()
	e := &retrievaltest.CountingEmbedder{Dim: 16}
	s := open(t, t.TempDir(), e)
	sync1(t, s, batch("tfda-36", licences(50)...))
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if err := s.SaveTurn(ctx, conversation.Turn{MessageID: "m1", SessionID: "web:s", Channel: "web", Question: "測試藥品7號錠", Answer: "a", Mode: conversation.ModeExtractive, CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCurated(ctx, []conversation.Curated{{ID: "c1", Questions: []string{"q"}, Answer: "curated", Status: conversation.CuratedApproved}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := s.Backup(ctx, &buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("backup: %d bytes reported, %d written, %v", n, buf.Len(), err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, memstore.FileName), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	r := open(t, dir, e)
	q := retrieval.Query{Text: "測試藥品7號錠", K: 5}
	want, err := s.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || len(got) != len(want) {
		t.Fatalf("search after restore: %d hits, before %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Key != want[i].Key || got[i].Score != want[i].Score {
			t.Errorf("hit %d after restore: %s %v, before %s %v", i, got[i].Key, got[i].Score, want[i].Key, want[i].Score)
		}
	}
	if turn, err := r.Turn(ctx, "m1"); err != nil || turn.Question != "測試藥品7號錠" {
		t.Errorf("turn after restore: %+v %v", turn, err)
	}
	if cs, err := r.CuratedAnswers(ctx); err != nil || len(cs) != 1 || cs[0].Answer != "curated" {
		t.Errorf("curated after restore: %+v %v", cs, err)
	}
	s.Close()
	if _, err := s.Backup(ctx, &buf); !errors.Is(err, memstore.ErrClosed) {
		t.Errorf("backup of a closed store: %v, want ErrClosed", err)
	}
}
