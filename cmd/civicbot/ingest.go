package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// maxRejectLines is how many rejects ingest prints; all are kept with the run.
const maxRejectLines = 20

func (a *app) ingest(ctx context.Context, args []string) error {
	fs := newFlags("ingest", a.stderr, "[--source NAME] [--snapshot YYYY-MM-DD] [--bundled] PATH...")
	source := fs.String("source", "", "keep the records under this source name instead of the detected one")
	snapshot := fs.String("snapshot", "", "date of the export (default: the ZIP entry's date, else the newest record date, else the file's)")
	budget := fs.Float64("error-budget", ingest.DefaultErrorBudget, "share of malformed records allowed before the run fails")
	shrink := fs.Bool("allow-shrink", false, "allow a source to lose more than half of its records in one run")
	force := fs.Bool("force", false, "parse every file, even those unchanged since the last successful run")
	bundled := fs.Bool("bundled", false, "also load the open data bundled in the binary (the demo corpus the embedded store loads on first start)")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 && !*bundled {
		fs.Usage()
		return errors.New("ingest: no PATH given (or --bundled for the bundled open data)")
	}
	l := &ingest.Loader{Formats: formats(), ErrorBudget: *budget, Source: *source}
	if *snapshot != "" {
		t, err := time.Parse(time.DateOnly, *snapshot)
		if err != nil {
			return fmt.Errorf("ingest: --snapshot %q: want YYYY-MM-DD", *snapshot)
		}
		l.Snapshot = t
	}
	a.cfg.print(a.stderr)
	start := time.Now()
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()

	p := a.newProgress()
	defer p.finish()
	l.Progress = func(file string, done, total int64) { p.set("read "+file, done, total, "bytes") }
	if !*force {
		digests, err := s.SourceDigests(ctx)
		if err != nil {
			return err
		}
		l.Unchanged = func(source, digest string) bool { return digests[source] == digest }
	}
	var batches []*ingest.Batch
	if *bundled {
		if batches, err = a.bundledBatches(ctx, p); err != nil {
			return err
		}
	}
	if len(paths) > 0 {
		bs, err := l.Load(ctx, paths...)
		if err != nil {
			return err
		}
		batches = append(batches, bs...)
	}
	printed := 0
	var text ingest.TextRepair
	for _, b := range batches {
		if b.Unchanged {
			p.println(fmt.Sprintf("source %s: files unchanged since the last run, not parsed (--force to parse)", b.Source))
		}
		if b.Text.Broken > 0 {
			p.println(fmt.Sprintf("source %s: %d broken characters (U+FFFD, lost by the export's encoding): %d repaired, %d left visible as \uFFFD", b.Source, b.Text.Broken, b.Text.Repaired, b.Text.Broken-b.Text.Repaired))
		}
		text.Add(b.Text)
		for _, r := range b.Rejects {
			if printed < maxRejectLines {
				p.println(fmt.Sprintf("rejected %s", r))
			}
			printed++
		}
	}
	if printed > maxRejectLines {
		p.println(fmt.Sprintf("... and %d more rejected records (all kept with the ingest run)", printed-maxRejectLines))
	}
	st, err := s.Sync(ctx, batches, ingest.SyncOptions{
		AllowShrink: *shrink,
		Allow:       a.cfg.Allow,
		Progress:    func(stage string, done, total int) { p.set(stage, int64(done), int64(total), "chunks") },
	})
	p.finish()
	if err != nil {
		return err
	}
	broken := ""
	if text.Broken > 0 {
		broken = fmt.Sprintf(", %d broken characters: %d repaired, %d left as U+FFFD", text.Broken, text.Repaired, text.Broken-text.Repaired)
	}
	fmt.Fprintf(a.stdout, "ingest: %d documents (%d new, %d changed, %d unchanged, %d removed, %d rejected%s) in %.1fs\n",
		st.Documents, st.Added, st.Changed, st.Unchanged, st.Removed, st.Rejected, broken, time.Since(start).Seconds())
	if flags, err := s.Flagged(ctx); err == nil && len(flags) > 0 {
		fmt.Fprintf(a.stdout, "ingest: %d documents flagged and held out of answers: civicbot documents flagged\n", len(flags))
	}
	return nil
}

// progress shows a bar on a terminal and a plain log line now and then otherwise.
type progress struct {
	a     *app
	tty   bool
	bar   *progressbar.ProgressBar
	stage string
	last  time.Time
}

func (a *app) newProgress() *progress {
	f, ok := a.stderr.(*os.File)
	return &progress{a: a, tty: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) set(stage string, done, total int64, unit string) {
	if !p.tty {
		if stage != p.stage || time.Since(p.last) > 5*time.Second || done == total {
			p.a.log.Info("ingest progress", "stage", stage, "done", done, "total", total, "unit", unit)
			p.stage, p.last = stage, time.Now()
		}
		return
	}
	if stage != p.stage || p.bar == nil {
		p.finish()
		opts := []progressbar.Option{
			progressbar.OptionSetWriter(p.a.stderr),
			progressbar.OptionSetDescription(stage),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100 * time.Millisecond),
			progressbar.OptionClearOnFinish(),
		}
		if unit == "bytes" {
			opts = append(opts, progressbar.OptionShowBytes(true))
		}
		p.bar = progressbar.NewOptions64(total, opts...)
		p.stage = stage
	}
	p.bar.Set64(done)
}

func (p *progress) println(s string) {
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintln(p.a.stderr, s)
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
