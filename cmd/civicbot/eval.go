package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/eval"
)

// dense makes every search a dense-only one.
type dense struct{ retrieval.Searcher }

func (d dense) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	q.DenseOnly = true
	return d.Searcher.Search(ctx, q)
}

// eval runs evaluation sets against the store and reports recall, MRR and latency.
// With a floor (--min-recall5, --min-mrr) the report is printed and the command fails
// when the figures fall below it: that is how CI catches a retrieval regression.
func (a *app) eval(ctx context.Context, args []string) error {
	fs := newFlags("eval", a.stderr, "[-k N] [--json] [--min-recall5 F] [--min-mrr F] FILE.jsonl...")
	k := fs.Int("k", 5, "a question is answered when an expected document is among the top N (misses are listed against N)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	minRecall5 := fs.Float64("min-recall5", 0, "fail when recall@5 is below this (0 to 1)")
	minMRR := fs.Float64("min-mrr", 0, "fail when MRR is below this (0 to 1)")
	denseOnly := fs.Bool("dense-only", false, "search by embedding alone: the baseline for the hybrid search")
	assoc := fs.String("associations", "", "experiment, off by default: learn term associations from the bundled city FAQs and myths and search with them; SPEC is weight,minPairs,minNPMI,perTerm,maxShare[,flags] with flags any of whole (pairs within a document, not text to title), kw (keyword-field terms only), leg (a leg of their own of that weight, not a share of the weighted leg's IDF), new (that leg counts only for documents no other leg found)")
	showHeldOut := fs.Bool("show-held-out", false, "list the misses of files in a heldout directory too (a held-out question seen is no longer held out)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return errors.New("eval: no FILE.jsonl given")
	}
	if *k < 1 || *k > 100 {
		return fmt.Errorf("eval: -k %d: want 1 to 100", *k)
	}
	for name, v := range map[string]float64{"--min-recall5": *minRecall5, "--min-mrr": *minMRR} {
		if v < 0 || v > 1 {
			return fmt.Errorf("eval: %s %g: want 0 to 1", name, v)
		}
	}
	var cases []eval.Case
	for _, f := range files {
		cs, err := eval.ReadFile(f)
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			return fmt.Errorf("eval: %s: no cases", f)
		}
		cases = append(cases, cs...)
	}
	if *assoc != "" {
		as, err := a.learnAssociations(ctx, *assoc)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "eval: %d terms with associates\n", as.Len())
		retrieval.UseAssociations(as)
		defer retrieval.UseAssociations(nil)
	}
	s, err := a.openLoadedStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	var searcher retrieval.Searcher = s
	if *denseOnly {
		searcher = dense{s}
	}
	r, err := eval.Run(ctx, searcher, cases, *k)
	if err != nil {
		return err
	}
	if !*showHeldOut && slices.ContainsFunc(files, heldOut) {
		r.Withhold()
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(a.stdout, "eval %s\n", strings.Join(files, " "))
		if err := r.WriteText(a.stdout); err != nil {
			return err
		}
	}
	var below []string
	if r.Recall5 < *minRecall5 {
		below = append(below, fmt.Sprintf("recall@5 %.3f is below the floor %.3f", r.Recall5, *minRecall5))
	}
	if r.MRR < *minMRR {
		below = append(below, fmt.Sprintf("MRR %.3f is below the floor %.3f", r.MRR, *minMRR))
	}
	if len(below) > 0 {
		return fmt.Errorf("eval: %s", strings.Join(below, "; "))
	}
	return nil
}

// heldOut says whether an evaluation file lies in a directory named heldout: its
// questions are measured, not shown.
func heldOut(path string) bool {
	return slices.Contains(strings.Split(filepath.ToSlash(filepath.Dir(path)), "/"), "heldout")
}

// learnAssociations learns term associations from the bundled city FAQs and myths
// (spec as --associations says): a measured prototype, not wired into the stores'
// sync (BENCHMARKS.md, issue 15, seventh round).
func (a *app) learnAssociations(ctx context.Context, spec string) (*retrieval.Associations, error) {
	var opt retrieval.AssocOptions
	var weight float64
	var whole string
	if _, err := fmt.Sscanf(strings.ReplaceAll(spec, ",", " "), "%g %d %g %d %g %s", &weight, &opt.MinPairs, &opt.MinNPMI, &opt.PerTerm, &opt.MaxShare, &whole); err != nil && !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "unexpected EOF") {
		return nil, fmt.Errorf("eval: --associations %q: %w", spec, err)
	}
	opt.WholeDocument = strings.Contains(whole, "whole")
	opt.KeywordTerms = strings.Contains(whole, "kw")
	leg := strings.Contains(whole, "leg")
	p := a.newProgress()
	batches, err := a.bundledBatches(ctx, p)
	p.finish()
	if err != nil {
		return nil, err
	}
	type ref struct{ dataset, key string }
	docs := map[ref]*retrieval.AssocDoc{}
	var order []ref
	for _, b := range batches {
		for _, r := range b.Records {
			if r.Dataset != corpus.DatasetCityFAQ && r.Dataset != corpus.DatasetMyth {
				continue
			}
			k := ref{r.Dataset, r.Key}
			d, ok := docs[k]
			if !ok {
				d = &retrieval.AssocDoc{}
				docs[k] = d
				order = append(order, k)
			}
			if d.Title == "" {
				d.Title = r.Title
			}
			d.Text += r.Text + "\n"
			if ks, ok := r.Fields["keywords"].([]string); ok {
				d.Keywords = append(d.Keywords, ks...)
			}
		}
	}
	list := make([]retrieval.AssocDoc, 0, len(order))
	for _, k := range order {
		list = append(list, *docs[k])
	}
	fmt.Fprintf(a.stderr, "eval: learning term associations from %d documents\n", len(list))
	as := retrieval.LearnAssociations(list, opt)
	as.Weight = weight
	if leg {
		as.LegWeight = weight
		as.Widens = strings.Contains(whole, "new")
	}
	return as, nil
}
