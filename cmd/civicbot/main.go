// Command civicbot is a citizen-facing assistant that answers medication and
// government-service questions from official open data, with sources.
//
// Usage:
//
//	civicbot serve                            HTTP: web API, widget, LINE webhook, admin, health, metrics
//	civicbot ingest [--source NAME] PATH...   load open-data files (ZIP, JSON, CSV, XML; format detected)
//	civicbot search [-k N] [--json] QUERY     retrieval only
//	civicbot ask [--json] QUESTION            the whole answer pipeline
//	civicbot eval [-k N] [--json] FILE.jsonl  retrieval quality: recall@k, MRR, latency
//	civicbot migrate                          apply database migrations
//	civicbot backup FILE                      a consistent copy of the embedded store, also while serving
//	civicbot documents flagged | release KEY  documents held out of answers (planted instructions, numbers, links)
//	civicbot token create --name N --role R   staff API token
//	civicbot synonyms list | add | remove     staff synonym groups, as the console's Synonyms page
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/pages"
	"github.com/civicbot/civicbot/ingest/taipei"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/embedding"
	"github.com/civicbot/civicbot/store/memstore"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/tmc/langchaingo/embeddings"
	"go.opentelemetry.io/otel/trace"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "civicbot:", err)
		os.Exit(1)
	}
}

const usage = `civicbot answers medication and government-service questions from official open data.

Usage:
  civicbot serve                            run the HTTP server (web API, widget, LINE webhook)
  civicbot ingest [--source NAME] PATH|URL...   load open-data files (ZIP, JSON, CSV, XML, folders; URLs downloaded)
  civicbot search [-k N] [--json] QUERY     search the stored documents
  civicbot ask [--json] QUESTION            answer a question as a citizen would get it
  civicbot curated import FILE.jsonl        load staff-approved answers
  civicbot curated list                     list the curated answers
  civicbot purge [--older-than 30d]         delete conversations past the retention period
  civicbot documents flagged [--json]       list documents held out of answers, with why
  civicbot documents release [--dataset D] KEY   return a flagged document to answers
  civicbot eval [-k N] [--json] FILE.jsonl  measure retrieval quality (recall@k, MRR, latency)
  civicbot migrate [--reembed]              apply database migrations
  civicbot backup FILE                      copy the embedded store, also while serving (PostgreSQL: pg_dump)
  civicbot staff add EMAIL --role ROLE      add a member of staff; prints a one-time sign-in link
  civicbot staff list                       list staff accounts
  civicbot token create --name N --role R [--expires 90d]   create a staff API token, printed once
  civicbot synonyms list                    list the staff synonym groups
  civicbot synonyms add [--name N] WORD WORD...   draft a synonym group; an approver approves it in the console
  civicbot synonyms remove ID|NAME          retire a staff synonym group

Configuration comes from the environment (DATABASE_URL, EMBEDDINGS_PROVIDER, ...); see README.md.
`

// app holds what every subcommand needs.
type app struct {
	cfg    Config
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	// tracerProvider records traces when OTEL_EXPORTER_OTLP_ENDPOINT is set (serve); nil otherwise.
	tracerProvider trace.TracerProvider
	// searchCache keeps searches between changes of the corpus (engine); nil when off.
	searchCache *retrieval.SearchCache
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[1] == "-h" || args[1] == "--help" || args[1] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) < 2 {
			return flag.ErrHelp
		}
		return nil
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	a := &app{
		cfg:    cfg,
		getenv: getenv,
		stdout: stdout,
		stderr: stderr,
		log:    slog.New(traceLog{slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel(getenv("CIVICBOT_LOG_LEVEL"))})}),
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "ingest":
		return a.ingest(ctx, rest)
	case "search":
		return a.search(ctx, rest)
	case "migrate":
		return a.migrate(ctx, rest)
	case "eval":
		return a.eval(ctx, rest)
	case "ask":
		return a.ask(ctx, rest)
	case "curated":
		return a.curated(ctx, rest)
	case "purge":
		return a.purge(ctx, rest)
	case "documents":
		return a.documents(ctx, rest)
	case "serve":
		return a.serve(ctx, rest)
	case "backup":
		return a.backup(ctx, rest)
	case "token":
		return a.token(ctx, rest)
	case "synonyms":
		return a.synonyms(ctx, rest)
	case "staff":
		return a.staff(ctx, rest)
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func logLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// formats lists every export format civicbot reads.
func formats() []ingest.Format {
	fs := tfda.Formats()
	fs = append(fs, taipei.Formats(time.Now)...)
	return append(fs, pages.Format())
}

// embedder builds the configured embedder.
func (a *app) embedder(ctx context.Context) (embeddings.Embedder, pgstore.EmbedderInfo, error) {
	e, info, err := embedding.New(ctx, embedding.Config{
		Provider: a.cfg.EmbeddingsProvider,
		Model:    a.cfg.EmbeddingsModel,
		BaseURL:  a.cfg.EmbeddingsBaseURL,
		APIKey:   a.cfg.EmbeddingsAPIKey,
		Dim:      a.cfg.EmbeddingsDim,
	})
	if err != nil {
		return nil, pgstore.EmbedderInfo{}, err
	}
	return e, pgstore.EmbedderInfo{Name: info.Name, Dim: info.Dim}, nil
}

// parseInterspersed parses flags wherever they appear among the arguments, so that
// `search YSP 52 --json` works as well as `search --json YSP 52`.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlags(name string, stderr io.Writer, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: civicbot %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func (a *app) migrate(ctx context.Context, args []string) error {
	fs := newFlags("migrate", a.stderr, "[--reembed]")
	reembed := fs.Bool("reembed", false, "re-embed every stored chunk with the configured embedder (after changing EMBEDDINGS_PROVIDER or EMBEDDINGS_MODEL)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	a.cfg.print(a.stderr)
	if *reembed {
		return a.reembed(ctx)
	}
	if a.cfg.DatabaseURL != "" {
		if err := pgstore.Migrate(ctx, a.cfg.DatabaseURL, a.log); err != nil {
			return err
		}
	}
	// Opening checks the store: the embedded store migrates its file on open, and both
	// refuse an embedder that differs from the stored vectors'.
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	s.Close()
	fmt.Fprintln(a.stdout, "migrate: store is current")
	return nil
}

func (a *app) reembed(ctx context.Context) error {
	e, info, err := a.embedder(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	var n int
	if a.cfg.DatabaseURL == "" {
		n, err = memstore.Reembed(ctx, a.cfg.DataDir, e, memstore.EmbedderInfo{Name: info.Name, Dim: info.Dim}, a.log)
	} else {
		n, err = pgstore.Reembed(ctx, a.cfg.DatabaseURL, e, info, a.log)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "migrate: re-embedded %d chunks with %s (%d dimensions) in %s\n", n, info.Name, info.Dim, time.Since(start).Round(time.Millisecond))
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
