package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/civicbot/civicbot/retrieval"
)

func (a *app) search(ctx context.Context, args []string) error {
	fs := newFlags("search", a.stderr, "[-k N] [--json] [--dataset NAME] QUERY")
	k := fs.Int("k", retrieval.DefaultK, "number of documents")
	asJSON := fs.Bool("json", false, `print {"results":[{"dataset","key","title","url","score"}]}`)
	dataset := fs.String("dataset", "", "only this dataset (comma-separated list)")
	words, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	query := strings.TrimSpace(strings.Join(words, " "))
	if query == "" {
		fs.Usage()
		return errors.New("search: no QUERY given")
	}
	if *k < 1 || *k > 100 {
		return fmt.Errorf("search: -k %d: want 1 to 100", *k)
	}
	s, err := a.openLoadedStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	q := retrieval.Query{Text: query, K: *k}
	if *dataset != "" {
		q.Datasets = strings.Split(*dataset, ",")
	}
	hits, err := s.Search(ctx, q)
	if err != nil {
		return err
	}
	if *asJSON {
		type result struct {
			Dataset string  `json:"dataset"`
			Key     string  `json:"key"`
			Title   string  `json:"title"`
			URL     string  `json:"url"`
			Score   float64 `json:"score"`
		}
		out := struct {
			Results []result `json:"results"`
		}{Results: []result{}}
		for _, h := range hits {
			out.Results = append(out.Results, result{h.Dataset, h.Key, h.Title, h.URL, h.Score})
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	if len(hits) == 0 {
		fmt.Fprintln(a.stdout, "no documents found")
		return nil
	}
	for i, h := range hits {
		status := ""
		if h.Status != "active" {
			status = " [" + h.Status + "]"
		}
		date := ""
		if !h.Snapshot.IsZero() {
			date = " " + h.Snapshot.Format("2006-01-02")
		}
		fmt.Fprintf(a.stdout, "%d. %s%s\n   %s %s%s  score %.4f  confidence %.1f (%s)\n", i+1, h.Title, status, h.Dataset, h.Key, date, h.Score, h.Confidence, strings.Join(h.Evidence, ", "))
		if h.URL != "" {
			fmt.Fprintf(a.stdout, "   %s\n", h.URL)
		}
		if sn := oneLine(h.Snippet); sn != "" {
			fmt.Fprintf(a.stdout, "   %s\n", truncate(sn, 120))
		}
	}
	return nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
