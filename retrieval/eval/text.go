package eval

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the report for people: the headline figures, the breakdowns and
// every miss with what was found instead.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("%d cases, k=%d", r.Cases, r.K)
	if r.Unanswerable > 0 {
		ew.printf("; %d without an expected document skipped", r.Unanswerable)
	}
	ew.printf("\n")
	ew.printf("recall@1 %.3f  recall@5 %.3f  recall@10 %.3f  ", r.Recall1, r.Recall5, r.Recall10)
	if r.extraK() {
		ew.printf("recall@%d %.3f  ", r.K, r.RecallK)
	}
	ew.printf("MRR %.3f\n", r.MRR)
	ew.printf("latency p50 %s  p95 %s  max %s\n", ms(r.Latency.P50), ms(r.Latency.P95), ms(r.Latency.Max))
	r.table(ew, "dataset", r.Datasets)
	r.table(ew, "tag", r.Tags)
	r.table(ew, "file", r.Files)
	if r.Withheld > 0 {
		ew.printf("\n%d misses in the top %d, not listed: the set is held out\n", r.Withheld, r.K)
	}
	if len(r.Misses) == 0 {
		if r.Withheld == 0 {
			ew.printf("\nno misses in the top %d\n", r.K)
		}
		return ew.err
	}
	ew.printf("\n%d misses (no expected document in the top %d):\n", len(r.Misses), r.K)
	for _, m := range r.Misses {
		where := m.File
		if m.Line > 0 {
			where = fmt.Sprintf("%s:%d", m.File, m.Line)
		}
		ew.printf("\n%s  [%s]  %s\n", where, m.Dataset, m.Question)
		ew.printf("  expected %s", strings.Join(m.Expect, ", "))
		if m.Rank > 0 {
			ew.printf("  (found at rank %d)", m.Rank)
		}
		ew.printf("\n")
		if len(m.Got) == 0 {
			ew.printf("  got nothing\n")
		}
		for i, g := range m.Got {
			ew.printf("  %d. %s %s  %s\n", i+1, g.Dataset, g.Key, oneLine(g.Title, 60))
		}
	}
	return ew.err
}

func (r *Report) table(ew *errWriter, what string, rows []Breakdown) {
	if len(rows) == 0 {
		return
	}
	ew.printf("\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	extra := ""
	if r.extraK() {
		extra = fmt.Sprintf("r@%d\t", r.K)
	}
	fmt.Fprintf(tw, "%s\tcases\tr@1\tr@5\tr@10\t%sMRR\t\n", what, extra)
	for _, b := range rows {
		if r.extraK() {
			extra = fmt.Sprintf("%.3f\t", b.RecallK)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%s%.3f\t\n", b.Name, b.Cases, b.Recall1, b.Recall5, b.Recall10, extra, b.MRR)
	}
	tw.Flush()
}

// extraK reports whether recall@K is a figure of its own, not one of 1, 5 and 10.
func (r *Report) extraK() bool { return r.K != 1 && r.K != 5 && r.K != 10 }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// errWriter keeps the first write error, so that printing needs no checks.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
