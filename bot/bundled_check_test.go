package bot

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/contact"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/opendata"
	"github.com/civicbot/civicbot/ingest/taipei"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/prompts"
	"github.com/civicbot/civicbot/retrieval"
)

// Every bundled record, quoted as an answer in either language, passes the output
// check: a record whose answer failed it would be lost (the citizen would be told
// there is no answer), as a myth whose quoted text was cut inside a link was.
func TestEveryBundledAnswerPassesTheCheck(t *testing.T) {
	batches, err := opendata.Load(context.Background(), append(tfda.Formats(), taipei.Formats(time.Now)...), nil)
	if err != nil {
		t.Fatal(err)
	}
	type docKey struct{ dataset, key string }
	records := map[docKey][]ingest.Record{}
	for _, b := range batches {
		for _, r := range b.Records {
			k := docKey{r.Dataset, r.Key}
			records[k] = append(records[k], r)
		}
	}
	if len(records) < 5000 {
		t.Fatalf("%d bundled documents, want the whole demo corpus", len(records))
	}
	// The documents are checked on every core: this is the package's longest test
	// (minutes under the race detector on two cores). A checker holds what a document's
	// sources allow and is read-only once made: one per document serves every view.
	docs := make(chan []ingest.Record)
	var (
		mu      sync.Mutex
		checked = map[string]int{}
		wg      sync.WaitGroup
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for rs := range docs {
				dataset, n := checkBundled(t, rs)
				mu.Lock()
				checked[dataset] += n
				mu.Unlock()
			}
		})
	}
	for _, rs := range records {
		docs <- rs
	}
	close(docs)
	wg.Wait()
	t.Logf("checked %v", checked)
}

// checkBundled renders one bundled document as every answer it can make, in both
// languages, and checks each; it returns the document's dataset and how many answers
// it checked. It runs on several goroutines: it reports with t.Error, never t.Fatal.
func checkBundled(t *testing.T, rs []ingest.Record) (dataset string, n int) {
	d := ingest.Compose(rs)
	h := retrieval.Hit{Dataset: d.Dataset, Key: d.Key, Title: d.Title, URL: d.URL, Body: d.Body,
		Status: string(d.Status), Snapshot: d.Snapshot}
	// As the stores give them: facets read back from JSON.
	js, err := json.Marshal(d.Facets)
	if err != nil {
		t.Error(err)
		return d.Dataset, 0
	}
	if err := json.Unmarshal(js, &h.Facets); err != nil {
		t.Error(err)
		return d.Dataset, 0
	}
	chk := newChecker([]retrieval.Hit{h}, "", nil)
	for _, locale := range []string{"zh-TW", "en"} {
		english := locale == "en"
		type view struct {
			name string
			data any
		}
		var views []view
		switch d.Dataset {
		case corpus.DatasetDrug:
			card := drugCard(h, english)
			views = append(views, view{"drug", card})
			if len(card.Pills) > 0 {
				views = append(views, view{"pill", PillList{Candidates: []DrugCard{card}}})
			}
		case corpus.DatasetMyth:
			views = append(views, view{"myth", passage(h)})
		case corpus.DatasetArticle:
			views = append(views, view{"article", passage(h)})
		default:
			views = append(views, view{"faq", passage(h)})
		}
		for _, v := range views {
			text, err := prompts.Render(locale, v.name, v.data)
			if err != nil {
				t.Errorf("%s %s: %v", d.Dataset, d.Key, err)
				continue
			}
			// The questions citizens ask a record in (corpus.Main.Asked) find it; they are
			// not the agency's words, and an answer never quotes them.
			for _, q := range h.Facets.Main().Asked {
				if strings.Contains(text, q) || strings.Contains(text, corpus.AskedLabel) {
					t.Errorf("%s %q (%s, %s): the answer quotes the questions citizens ask it in:\n%s", d.Dataset, d.Key, locale, v.name, text)
					break
				}
			}
			// No export holds a ¶: one in an answer is a link's 「&para」 decoded as an entity.
			if strings.Contains(text, "¶") {
				t.Errorf("%s %q (%s, %s): a link's «&para» read as «¶»:\n%s", d.Dataset, d.Key, locale, v.name, text)
			}
			if err := chk.check(text, false, false); err != nil {
				t.Errorf("%s %q (%s, %s): %v\n%s", d.Dataset, d.Key, locale, v.name, err, text)
				for _, m := range contact.Find(text) {
					t.Logf("%q in the answer", text[m.Start:m.End])
				}
			}
		}
		n++
	}
	return d.Dataset, n
}
