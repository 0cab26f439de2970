package tfda

import (
	"bytes"
	"context"
	"errors"
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

// TestReadLicencesChangedBetweenPasses: an export whose second reading has more rows
// of a licence than the first counted (it changed between the passes) fails with
// ingest.ErrChanged when the extra row is read, before the licence is given twice.
func TestReadLicencesChangedBetweenPasses(t *testing.T) {
	var csv bytes.Buffer
	if err := WriteSynthetic(&csv, 300, 3); err != nil {
		t.Fatal(err)
	}
	first := csv.String()
	// The second reading repeats its last row.
	body := strings.TrimSuffix(first, "\n")
	grown := first + body[strings.LastIndex(body, "\n")+1:] + "\n"
	keys := map[string]int{}
	emit := ingest.Emit{
		Record: func(r ingest.Record) error { keys[r.Key]++; return nil },
		Reject: func(int, string) {},
		Again:  func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(grown)), nil },
	}
	err := readLicences(context.Background(), strings.NewReader(first), emit)
	if !errors.Is(err, ingest.ErrChanged) {
		t.Fatalf("err = %v, want ingest.ErrChanged", err)
	}
	for k, n := range keys {
		if n > 1 {
			t.Errorf("licence %s given %d times", k, n)
		}
	}
}
