package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/fetch"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// maxRejectLines is how many rejects ingest prints; all are kept with the run.
const maxRejectLines = 20

func (a *app) ingest(ctx context.Context, args []string) error {
	fs := newFlags("ingest", a.stderr, "[--source NAME] [--snapshot YYYY-MM-DD] [--bundled] [--urls FILE] PATH|URL...")
	source := fs.String("source", "", "keep the records under this source name instead of the detected one")
	snapshot := fs.String("snapshot", "", "date of the export (default: the ZIP entry's date, else the newest record date, else the file's)")
	budget := fs.Float64("error-budget", ingest.DefaultErrorBudget, "share of malformed records allowed before the run fails")
	shrink := fs.Bool("allow-shrink", false, "allow a source to lose more than half of its records in one run")
	force := fs.Bool("force", false, "parse every file, even those unchanged since the last successful run")
	bundled := fs.Bool("bundled", false, "also load the open data bundled in the binary (the demo corpus the embedded store loads on first start)")
	urls := fs.String("urls", "", "a file listing exports to download, one \"[NAME] URL\" a line (NAME names the downloaded file; # starts a comment)")
	cache := fs.String("cache", "", "where downloaded exports are kept between runs (default: downloads in CIVICBOT_DATA_DIR)")
	maxBytes := fs.Int64("max-bytes", fetch.DefaultMaxBytes, "the largest export downloaded")
	fetchTimeout := fs.Duration("fetch-timeout", fetch.DefaultTimeout, "the longest one download may take")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	remote, paths, err := splitRemote(args, *urls)
	if err != nil {
		return err
	}
	if len(paths) == 0 && len(remote) == 0 && !*bundled {
		fs.Usage()
		return errors.New("ingest: no PATH or URL given (or --bundled for the bundled open data)")
	}
	var failed []error
	if len(remote) > 0 {
		f := &fetch.Fetcher{Dir: cmp.Or(*cache, filepath.Join(a.cfg.DataDir, "downloads")), MaxBytes: *maxBytes, Timeout: *fetchTimeout, UserAgent: "civicbot (open-data ingest)"}
		got, errs := fetchAll(ctx, f, remote, a.stderr)
		paths, failed = append(paths, got...), errs
		if len(paths) == 0 && !*bundled {
			return fmt.Errorf("ingest: no export could be downloaded; nothing changed: %w", errors.Join(failed...))
		}
	}
	// Streamed: the files are parsed while the store syncs, a batch of records at a
	// time, so that a large export is never held whole (issue 16).
	l := &ingest.Loader{Formats: formats(), ErrorBudget: *budget, Source: *source, Stream: true}
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
	for _, b := range batches {
		if b.Unchanged {
			p.println(fmt.Sprintf("source %s: files unchanged since the last run, not parsed (--force to parse)", b.Source))
		}
	}
	st, err := s.Sync(ctx, batches, ingest.SyncOptions{
		AllowShrink: *shrink,
		Allow:       a.cfg.Allow,
		Progress:    func(stage string, done, total int) { p.set(stage, int64(done), int64(total), progressUnit(stage)) },
	})
	// What was read is known once the sync has read it.
	printed := 0
	var text ingest.TextRepair
	for _, b := range batches {
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
	if len(failed) > 0 {
		return fmt.Errorf("ingest: %d of %d downloads failed; their sources keep the data of their last good run: %w", len(failed), len(remote), errors.Join(failed...))
	}
	return nil
}

// progressUnit is what a sync's stage counts: the embedded store reports the chunks
// embedded, PostgreSQL the documents written.
func progressUnit(stage string) string {
	if stage == "embed" {
		return "chunks"
	}
	return "documents"
}

// remoteExport is an export to download, with the file name to keep it under ("" lets
// the server or the URL name it).
type remoteExport struct{ name, url string }

// splitRemote separates URLs from paths among the arguments, and adds the exports
// listed in the file urls ("[NAME] URL" a line).
func splitRemote(args []string, urls string) ([]remoteExport, []string, error) {
	var remote []remoteExport
	var paths []string
	for _, a := range args {
		if fetch.IsURL(a) {
			remote = append(remote, remoteExport{url: a})
		} else {
			paths = append(paths, a)
		}
	}
	if urls == "" {
		return remote, paths, nil
	}
	b, err := os.ReadFile(urls)
	if err != nil {
		return nil, nil, fmt.Errorf("ingest: --urls: %w", err)
	}
	for i, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		fields := strings.Fields(line)
		var e remoteExport
		switch len(fields) {
		case 0:
			continue
		case 1:
			e.url = fields[0]
		case 2:
			e.name, e.url = fields[0], fields[1]
		default:
			return nil, nil, fmt.Errorf("ingest: %s:%d: want \"[NAME] URL\", got %d fields", urls, i+1, len(fields))
		}
		if !fetch.IsURL(e.url) {
			return nil, nil, fmt.Errorf("ingest: %s:%d: %q is not an http or https URL", urls, i+1, e.url)
		}
		remote = append(remote, e)
	}
	return remote, paths, nil
}

// fetchAll downloads the exports one after another (they come from one or two
// portals), reporting each; it returns the local copies of those that arrived.
func fetchAll(ctx context.Context, f *fetch.Fetcher, remote []remoteExport, log io.Writer) ([]string, []error) {
	var paths []string
	var errs []error
	for _, e := range remote {
		r, err := f.Fetch(ctx, e.url, e.name)
		switch {
		case err != nil:
			fmt.Fprintf(log, "%v\n", err)
			errs = append(errs, err)
			continue
		case r.NotModified:
			fmt.Fprintf(log, "fetch %s: not modified since %s, using the copy kept\n", e.url, r.FetchedAt.Format(time.DateTime))
		default:
			fmt.Fprintf(log, "fetch %s: %d bytes\n", e.url, r.Bytes)
		}
		paths = append(paths, r.Path)
	}
	return paths, errs
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
