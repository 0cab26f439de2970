package tfda

import (
	"bytes"
	"context"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/ingest"
)

// TestReadLicencesTwice checks that the two-pass reading of a licence export (for
// streamed batches, which must not hold the export) gives the records of the one-pass
// reading, and the same rejects.
func TestReadLicencesTwice(t *testing.T) {
	var csv bytes.Buffer
	if err := WriteSynthetic(&csv, 6000, 3); err != nil {
		t.Fatal(err)
	}
	read := func(again bool) ([]ingest.Record, []int) {
		var recs []ingest.Record
		var rejects []int
		emit := ingest.Emit{
			Record: func(r ingest.Record) error { recs = append(recs, r); return nil },
			Reject: func(line int, _ string) { rejects = append(rejects, line) },
		}
		if again {
			emit.Again = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(csv.Bytes())), nil }
		}
		if err := readLicences(context.Background(), bytes.NewReader(csv.Bytes()), emit); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(recs, func(a, b ingest.Record) int { return strings.Compare(a.Key, b.Key) })
		return recs, rejects
	}
	once, onceRejects := read(false)
	twice, twiceRejects := read(true)
	if len(once) < 5000 || len(once) >= 6000 {
		t.Fatalf("%d licences from 6000 rows: the synthetic export should repeat some", len(once))
	}
	if !reflect.DeepEqual(once, twice) {
		t.Errorf("two passes gave %d records, one pass %d, not the same", len(twice), len(once))
	}
	if !slices.Equal(onceRejects, twiceRejects) {
		t.Errorf("rejects: one pass %v, two passes %v", onceRejects, twiceRejects)
	}
}
