package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/civicbot/civicbot/conversation"
)

// curated manages staff-approved answers: `civicbot curated import FILE` loads them
// from a JSON Lines file (one answer a line), `civicbot curated list` shows them.
func (a *app) curated(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "list") {
		fmt.Fprintln(a.stderr, "usage: civicbot curated import FILE.jsonl | civicbot curated list")
		return errors.New("curated: want import or list")
	}
	if args[0] == "list" {
		s, err := a.openStore(ctx)
		if err != nil {
			return err
		}
		defer s.Close()
		list, err := s.CuratedAnswers(ctx)
		if err != nil {
			return err
		}
		for _, c := range list {
			exp := "never"
			if !c.ExpiresAt.IsZero() {
				exp = c.ExpiresAt.Format("2006-01-02")
			}
			last := "never"
			if !c.LastHit.IsZero() {
				last = c.LastHit.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(a.stdout, "%s\t%s\texpires %s\thits %d\tlast hit %s\t%s\n", c.ID, c.Status, exp, c.Hits, last, c.Questions[0])
		}
		return nil
	}
	if len(args) != 2 {
		return errors.New("curated import: want one FILE.jsonl")
	}
	data, err := os.ReadFile(args[1])
	if err != nil {
		return fmt.Errorf("curated import: %w", err)
	}
	list, errs := parseCurated(data)
	if len(errs) > 0 {
		// Staff fix the file and load it again: nothing is loaded from a file with errors.
		return fmt.Errorf("curated import: %s: nothing loaded:\n%w", args[1], errors.Join(errs...))
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.PutCurated(ctx, list); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "curated import: %d answers loaded from %s\n", len(list), args[1])
	return nil
}

// curatedLine is a curated answer as staff write it.
type curatedLine struct {
	ID        string                `json:"id"`
	Questions []string              `json:"questions"`
	Answer    string                `json:"answer"`
	Sources   []conversation.Source `json:"sources"`
	Status    string                `json:"status"`
	ExpiresAt string                `json:"expires_at"` // YYYY-MM-DD or RFC 3339; "" never
}

func parseCurated(data []byte) ([]conversation.Curated, []error) {
	var (
		out  []conversation.Curated
		errs []error
		ids  = map[string]int{}
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		var c curatedLine
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %v", n, err))
			continue
		}
		cur, err := c.curated()
		if err == nil {
			if prev, dup := ids[cur.ID]; dup {
				err = fmt.Errorf("id %q already on line %d", cur.ID, prev)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %v", n, err))
			continue
		}
		ids[cur.ID] = n
		out = append(out, cur)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	if len(out) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("no curated answers in the file"))
	}
	return out, errs
}

func (c curatedLine) curated() (conversation.Curated, error) {
	cur := conversation.Curated{ID: strings.TrimSpace(c.ID), Answer: strings.TrimSpace(c.Answer), Sources: c.Sources, Status: c.Status}
	for _, q := range c.Questions {
		if q = strings.TrimSpace(q); q != "" {
			cur.Questions = append(cur.Questions, q)
		}
	}
	switch {
	case cur.ID == "":
		return cur, errors.New("id is empty")
	case len(cur.Questions) == 0:
		return cur, errors.New("questions is empty")
	case cur.Answer == "":
		return cur, errors.New("answer is empty")
	case !slices.Contains([]string{conversation.CuratedDraft, conversation.CuratedApproved, conversation.CuratedRetired}, cur.Status):
		return cur, fmt.Errorf("status %q: want draft, approved or retired", c.Status)
	}
	for i, s := range cur.Sources {
		if s.Title == "" || (s.URL == "" && s.Key == "") {
			return cur, fmt.Errorf("source %d needs a title and a url or key", i+1)
		}
	}
	if c.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, c.ExpiresAt)
		if err != nil {
			if t, err = time.ParseInLocation("2006-01-02", c.ExpiresAt, taipeiTime); err != nil {
				return cur, fmt.Errorf("expires_at %q: want YYYY-MM-DD or RFC 3339", c.ExpiresAt)
			}
		}
		cur.ExpiresAt = t
	}
	return cur, nil
}

// taipeiTime is Taiwan's time zone, fixed at UTC+8 (no daylight saving since 1979), so that
// no time zone database is needed.
var taipeiTime = time.FixedZone("Asia/Taipei", 8*3600)

// purge deletes conversations older than the retention period.
func (a *app) purge(ctx context.Context, args []string) error {
	fs := newFlags("purge", a.stderr, "[--older-than 30d]")
	older := fs.String("older-than", "", "delete conversations older than this (default CIVICBOT_RETENTION)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	d := a.cfg.Retention
	if *older != "" {
		var err error
		if d, err = parseDays("--older-than", *older); err != nil {
			return fmt.Errorf("purge: %w", err)
		}
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	n, e, err := purgeOnce(ctx, s, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "purge: %d messages and %d LINE event records older than %s deleted\n", n, e, d)
	return nil
}

// purger is what the retention purge needs of a store.
type purger interface {
	PurgeTurns(ctx context.Context, before time.Time) (int64, error)
	PurgeLineEvents(ctx context.Context, before time.Time) (int64, error)
}

// purgeOnce deletes the conversations (with their feedback and review marks; their
// daily counts are kept) and LINE event records older than the retention period.
func purgeOnce(ctx context.Context, s purger, retention time.Duration) (messages, events int64, err error) {
	before := time.Now().Add(-retention)
	if messages, err = s.PurgeTurns(ctx, before); err != nil {
		return 0, 0, err
	}
	// The LINE redelivery records only need to outlive LINE's retries; they go too.
	if events, err = s.PurgeLineEvents(ctx, before); err != nil {
		return messages, 0, err
	}
	return messages, events, nil
}

// purgeEvery is the retention purge that serve runs itself, at start and then every
// period, until ctx ends: no cron is needed, and it works on the embedded store, which
// only the serving process can open.
func purgeEvery(ctx context.Context, s purger, retention, period time.Duration, log *slog.Logger) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Minute)
		n, e, err := purgeOnce(pctx, s, retention)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("retention purge", "err", err)
		case n > 0 || e > 0:
			log.Info("retention purge", "messages", n, "line_events", e, "older_than", retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
