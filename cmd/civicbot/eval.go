package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

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
