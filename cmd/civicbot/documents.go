package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
)

// flagStore is what the documents command needs of a store.
type flagStore interface {
	Flagged(ctx context.Context) ([]ingest.Flag, error)
	Release(ctx context.Context, dataset, key string) (ingest.Flag, error)
}

const documentsUsage = "usage: civicbot documents flagged [--json] | civicbot documents release [--dataset NAME] KEY"

// documents lists the documents ingest held out of answers (flagged: instructions
// aimed at an assistant, or numbers or links not on the allow-list), and releases one
// that staff have read and found sound. Document text is hostile: titles and reasons
// are printed quoted.
func (a *app) documents(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "flagged" && args[0] != "release") {
		fmt.Fprintln(a.stderr, documentsUsage)
		return errors.New("documents: want flagged or release")
	}
	fs := newFlags("documents "+args[0], a.stderr, "")
	asJSON := fs.Bool("json", false, "print JSON")
	dataset := fs.String("dataset", "", "the document's dataset, when its key is flagged in several")
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	flags, err := s.Flagged(ctx)
	if err != nil {
		return err
	}
	if args[0] == "flagged" {
		if len(rest) != 0 {
			return errors.New("documents flagged: takes no arguments")
		}
		if *asJSON {
			enc := json.NewEncoder(a.stdout)
			enc.SetEscapeHTML(false)
			return enc.Encode(map[string]any{"items": flags})
		}
		for _, f := range flags {
			fmt.Fprintf(a.stdout, "%s\t%s\t%s\tflagged %s\t%s\n", f.Dataset, strconv.Quote(f.Key), strconv.Quote(f.Title),
				f.FlaggedAt.Format("2006-01-02 15:04"), strconv.Quote(f.Reason))
		}
		fmt.Fprintf(a.stderr, "documents: %d flagged (held out of answers until released)\n", len(flags))
		return nil
	}
	if len(rest) != 1 || strings.TrimSpace(rest[0]) == "" {
		fmt.Fprintln(a.stderr, documentsUsage)
		return errors.New("documents release: want one KEY")
	}
	key := rest[0]
	ds := *dataset
	if ds == "" {
		var in []string
		for _, f := range flags {
			if f.Key == key {
				in = append(in, f.Dataset)
			}
		}
		switch len(in) {
		case 0:
			return fmt.Errorf("documents release: no flagged document has the key %q (civicbot documents flagged lists them)", key)
		case 1:
			ds = in[0]
		default:
			return fmt.Errorf("documents release: the key %q is flagged in %s: give --dataset", key, strings.Join(in, ", "))
		}
	}
	f, err := s.Release(ctx, ds, key)
	switch {
	case errors.Is(err, retrieval.ErrNotFound):
		return fmt.Errorf("documents release: no document %s %q", ds, key)
	case errors.Is(err, ingest.ErrNotFlagged):
		return fmt.Errorf("documents release: %s %q is not flagged", ds, key)
	case err != nil:
		return err
	}
	a.log.Info("document released", "dataset", f.Dataset, "key", f.Key, "content_hash", f.Hash)
	fmt.Fprintf(a.stdout, "released %s %s (content %s): it is answered from again until its content changes\n", f.Dataset, strconv.Quote(f.Key), f.Hash)
	return nil
}
