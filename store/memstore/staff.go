package memstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/staff"
	bolt "go.etcd.io/bbolt"
)

var _ staff.Store = (*Store)(nil)

// staffOp runs fn in a write transaction and wraps its errors, keeping the staff
// domain's own.
func (s *Store) staffOp(op string, write bool, fn func(tx *bolt.Tx) error) error {
	run := s.view
	if write {
		run = s.update
	}
	err := run(fn)
	if err == nil || errors.Is(err, staff.ErrNotFound) || errors.Is(err, staff.ErrExists) {
		return err
	}
	return fmt.Errorf("memstore: %s: %w", op, err)
}

func getJSON(b *bolt.Bucket, k []byte, v any) error {
	data := b.Get(k)
	if data == nil {
		return staff.ErrNotFound
	}
	return json.Unmarshal(data, v)
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

// CreateAccount stores a new staff account; staff.ErrExists when its e-mail is taken.
func (s *Store) CreateAccount(ctx context.Context, a staff.Account) error {
	a.Email = strings.ToLower(cleanText(a.Email))
	return s.staffOp("create account", true, func(tx *bolt.Tx) error {
		emails, accounts := tx.Bucket(bucketEmails), tx.Bucket(bucketAccounts)
		if emails.Get([]byte(a.Email)) != nil || accounts.Get([]byte(a.ID)) != nil {
			return staff.ErrExists
		}
		if err := emails.Put([]byte(a.Email), []byte(a.ID)); err != nil {
			return err
		}
		return putJSON(accounts, []byte(a.ID), a)
	})
}

// UpdateAccount replaces an account's name, role, password and state; its e-mail and
// creation time stay.
func (s *Store) UpdateAccount(ctx context.Context, a staff.Account) error {
	return s.staffOp("update account", true, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		var old staff.Account
		if err := getJSON(b, []byte(a.ID), &old); err != nil {
			return err
		}
		old.Name, old.Role, old.PasswordHash, old.Disabled = cleanText(a.Name), a.Role, a.PasswordHash, a.Disabled
		return putJSON(b, []byte(a.ID), old)
	})
}

// Account returns an account by id.
func (s *Store) Account(ctx context.Context, id string) (staff.Account, error) {
	var a staff.Account
	err := s.staffOp("account", false, func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketAccounts), []byte(id), &a) })
	return a, err
}

// AccountByEmail returns an account by e-mail, compared without case.
func (s *Store) AccountByEmail(ctx context.Context, email string) (staff.Account, error) {
	var a staff.Account
	err := s.staffOp("account", false, func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketEmails).Get([]byte(strings.ToLower(email)))
		if id == nil {
			return staff.ErrNotFound
		}
		return getJSON(tx.Bucket(bucketAccounts), id, &a)
	})
	return a, err
}

// Accounts lists every account by e-mail.
func (s *Store) Accounts(ctx context.Context) ([]staff.Account, error) {
	var out []staff.Account
	err := s.staffOp("accounts", false, func(tx *bolt.Tx) error {
		accounts := tx.Bucket(bucketAccounts)
		return tx.Bucket(bucketEmails).ForEach(func(_, id []byte) error {
			var a staff.Account
			if err := getJSON(accounts, id, &a); err != nil {
				return fmt.Errorf("account %s: %w", id, err)
			}
			out = append(out, a)
			return nil
		})
	})
	return out, err
}

// PutCredential stores a new credential.
func (s *Store) PutCredential(ctx context.Context, c staff.Credential) error {
	c.Name, c.CreatedBy = cleanText(c.Name), cleanText(c.CreatedBy)
	return s.staffOp("put credential", true, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCreds)
		if b.Get([]byte(c.Hash)) != nil {
			return staff.ErrExists
		}
		return putJSON(b, []byte(c.Hash), c)
	})
}

// Credential returns a credential by the hash of its secret.
func (s *Store) Credential(ctx context.Context, hash string) (staff.Credential, error) {
	var c staff.Credential
	err := s.staffOp("credential", false, func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketCreds), []byte(hash), &c) })
	return c, err
}

// Credentials lists the credentials of one kind, newest first.
func (s *Store) Credentials(ctx context.Context, kind staff.CredentialKind) ([]staff.Credential, error) {
	var out []staff.Credential
	err := s.staffOp("credentials", false, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCreds).ForEach(func(k, v []byte) error {
			var c staff.Credential
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("credential: %w", err)
			}
			if c.Kind == kind {
				out = append(out, c)
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b staff.Credential) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Hash, b.Hash)
	})
	return out, err
}

func (s *Store) changeCredential(op, hash string, fn func(*staff.Credential)) error {
	return s.staffOp(op, true, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCreds)
		var c staff.Credential
		if err := getJSON(b, []byte(hash), &c); err != nil {
			return err
		}
		fn(&c)
		return putJSON(b, []byte(hash), c)
	})
}

// TouchCredential records a use of a credential.
func (s *Store) TouchCredential(ctx context.Context, hash string, at time.Time) error {
	return s.changeCredential("touch credential", hash, func(c *staff.Credential) { c.LastUsed = at })
}

// RevokeCredential makes a credential unusable.
func (s *Store) RevokeCredential(ctx context.Context, hash string) error {
	return s.changeCredential("revoke credential", hash, func(c *staff.Credential) { c.Revoked = true })
}

// RevokeAccountCredentials revokes every session and link of an account.
func (s *Store) RevokeAccountCredentials(ctx context.Context, accountID string) error {
	return s.staffOp("revoke credentials", true, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCreds)
		var change [][]byte
		var rows []staff.Credential
		err := b.ForEach(func(k, v []byte) error {
			var c staff.Credential
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			if c.AccountID == accountID && c.Kind != staff.KindToken && !c.Revoked {
				c.Revoked = true
				change, rows = append(change, slices.Clone(k)), append(rows, c)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i, k := range change {
			if err := putJSON(b, k, rows[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// AppendAudit appends an entry to the audit log.
func (s *Store) AppendAudit(ctx context.Context, e staff.Entry) error {
	e.Actor, e.Target, e.Before, e.After = cleanText(e.Actor), cleanText(e.Target), cleanText(e.Before), cleanText(e.After)
	return s.staffOp("append audit", true, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		e.ID = int64(seq)
		return putJSON(b, binary.BigEndian.AppendUint64(nil, seq), e)
	})
}

// Audit lists audit entries, newest first.
func (s *Store) Audit(ctx context.Context, f staff.AuditFilter) ([]staff.Entry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var out []staff.Entry
	err := s.staffOp("audit", false, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		var k, v []byte
		if f.Before > 0 {
			c.Seek(binary.BigEndian.AppendUint64(nil, uint64(f.Before)))
			k, v = c.Prev()
		} else {
			k, v = c.Last()
		}
		for ; k != nil && len(out) < limit; k, v = c.Prev() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var e staff.Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("audit %x: %w", k, err)
			}
			if !f.From.IsZero() && e.At.Before(f.From) {
				break
			}
			if (f.Actor != "" && e.Actor != f.Actor) || !strings.HasPrefix(e.Action, f.Action) || (!f.To.IsZero() && !e.At.Before(f.To)) {
				continue
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

var _ staff.Conversations = (*Store)(nil)

// reviewRow is what staff did with a message in the review queue.
type reviewRow struct {
	Action string    `json:"action"`
	Reason string    `json:"reason,omitempty"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
}

// Conversations lists turns for staff, newest first, walking the time index back
// from the cursor.
func (s *Store) Conversations(ctx context.Context, f staff.TurnFilter) ([]staff.TurnRow, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	text := strings.ToLower(cleanText(f.Text))
	pre := newPrefilter(f, text)
	var textBytes []byte
	if text != "" {
		textBytes = []byte(text)
	}
	var out []staff.TurnRow
	err := s.view(func(tx *bolt.Tx) error {
		msgs, fb, rev := tx.Bucket(bucketMessages), tx.Bucket(bucketFeedback), tx.Bucket(bucketReviewed)
		c := tx.Bucket(bucketTimes).Cursor()
		var k, question []byte
		switch {
		case !f.Before.At.IsZero():
			k, question = c.Seek(timeKey(f.Before.At, f.Before.ID))
			if k == nil {
				k, question = c.Last()
			}
			for k != nil && bytes.Compare(k, timeKey(f.Before.At, f.Before.ID)) >= 0 {
				k, question = c.Prev()
			}
		case !f.To.IsZero():
			if k, _ = c.Seek(appendTime(nil, f.To)); k == nil {
				k, question = c.Last()
			} else {
				k, question = c.Prev()
			}
		default:
			k, question = c.Last()
		}
		for n := 0; k != nil && len(out) < limit; k, question = c.Prev() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if len(k) < 8 {
				return fmt.Errorf("time key %x", k)
			}
			at := readTime(k)
			if !f.From.IsZero() && at.Before(f.From) {
				break
			}
			if !f.To.IsZero() && !at.Before(f.To) {
				continue
			}
			// Most turns fail a filter: rule them out from the stored bytes before
			// decoding (each test is a necessary condition; the decoded row decides).
			if textBytes != nil && len(question) > 0 && !bytes.Contains(question, textBytes) {
				continue
			}
			id := k[8:]
			var fbRaw []byte
			reviewed := false
			if pre.rating != "" || pre.review {
				fbRaw, reviewed = fb.Get(id), pre.review && rev.Get(id) != nil
			}
			if !pre.maybe(msgs.Get(id), fbRaw, reviewed) {
				continue
			}
			t, err := readTurn(msgs, string(id))
			if err != nil {
				return err
			}
			row := staff.TurnRow{Turn: t}
			if v := fb.Get([]byte(t.MessageID)); v != nil {
				var r feedbackRow
				if err := json.Unmarshal(v, &r); err != nil {
					return fmt.Errorf("feedback %s: %w", t.MessageID, err)
				}
				row.Rating, row.Comment = r.Rating, r.Comment
			}
			if v := rev.Get([]byte(t.MessageID)); v != nil {
				var r reviewRow
				if err := json.Unmarshal(v, &r); err != nil {
					return fmt.Errorf("review mark %s: %w", t.MessageID, err)
				}
				row.Reviewed = r.Action
			}
			rating := row.Rating
			if rating == "" {
				rating = "none"
			}
			switch {
			case f.Mode != "" && string(t.Mode) != f.Mode,
				f.Rating != "" && rating != f.Rating,
				f.Channel != "" && t.Channel != f.Channel,
				text != "" && !strings.Contains(strings.ToLower(t.Question), text),
				f.Review && (row.Reviewed != "" || (t.Mode != conversation.ModeNoAnswer && row.Rating != conversation.RatingDown)):
				continue
			}
			out = append(out, row)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: conversations: %w", err)
	}
	return out, nil
}

// MarkReviewed records what staff did with turns in the review queue.
func (s *Store) MarkReviewed(ctx context.Context, ids []string, action, reason, actor string) error {
	row := reviewRow{Action: action, Reason: cleanText(reason), Actor: cleanText(actor), At: time.Now()}
	err := s.update(func(tx *bolt.Tx) error {
		msgs, rev := tx.Bucket(bucketMessages), tx.Bucket(bucketReviewed)
		for _, id := range ids {
			if msgs.Get([]byte(id)) == nil {
				continue
			}
			if err := putJSON(rev, []byte(id), row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("memstore: mark reviewed: %w", err)
	}
	return nil
}

// TurnStats counts the turns made since a time by day (Taipei), channel, mode and
// rating.
func (s *Store) TurnStats(ctx context.Context, since time.Time) ([]staff.DayCount, error) {
	counts := map[staff.DayCount]int{}
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketTimes).Cursor()
		for k, _ := c.Seek(appendTime(nil, since)); k != nil; k, _ = c.Next() {
			d, err := dayCount(tx, k)
			if err != nil {
				return err
			}
			counts[d]++
		}
		// And the counts kept of purged turns, from the day since falls on.
		from := since.In(staff.Taipei).Format("2006-01-02")
		return tx.Bucket(bucketDaily).ForEach(func(k, v []byte) error {
			parts, _, ok := splitKey(k, 4)
			if !ok || len(v) != 8 {
				return fmt.Errorf("daily count %x", k)
			}
			if parts[0] >= from {
				d := staff.DayCount{Day: parts[0], Channel: parts[1], Mode: parts[2], Rating: parts[3]}
				counts[d] += int(binary.BigEndian.Uint64(v))
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: turn stats: %w", err)
	}
	out := make([]staff.DayCount, 0, len(counts))
	for d, n := range counts {
		d.N = n
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b staff.DayCount) int {
		return strings.Compare(a.Day+"\x00"+a.Channel+"\x00"+a.Mode+"\x00"+a.Rating, b.Day+"\x00"+b.Channel+"\x00"+b.Mode+"\x00"+b.Rating)
	})
	return out, nil
}

// dayCount reads the message of a time-index key and says which day, channel, mode
// and rating it counts under.
func dayCount(tx *bolt.Tx, timeKey []byte) (staff.DayCount, error) {
	if len(timeKey) < 8 {
		return staff.DayCount{}, fmt.Errorf("time key %x", timeKey)
	}
	var row struct {
		Channel string `json:"channel"`
		Mode    string `json:"mode"`
	}
	id := timeKey[8:]
	if err := json.Unmarshal(tx.Bucket(bucketMessages).Get(id), &row); err != nil {
		return staff.DayCount{}, fmt.Errorf("message %s: %w", id, err)
	}
	d := staff.DayCount{Day: readTime(timeKey).In(staff.Taipei).Format("2006-01-02"), Channel: row.Channel, Mode: row.Mode}
	if v := tx.Bucket(bucketFeedback).Get(id); v != nil {
		var f feedbackRow
		if err := json.Unmarshal(v, &f); err != nil {
			return staff.DayCount{}, fmt.Errorf("feedback %s: %w", id, err)
		}
		d.Rating = f.Rating
	}
	return d, nil
}

// prefilter rules turns out of a list from their stored JSON, without decoding it.
type prefilter struct {
	mode, channel, text []byte // substrings the message's JSON must hold; nil: no test
	rating              string
	ratingJSON          []byte // the rating as its feedback's JSON holds it
	review              bool
}

func newPrefilter(f staff.TurnFilter, text string) prefilter {
	p := prefilter{rating: f.Rating, review: f.Review, ratingJSON: fmt.Appendf(nil, `"rating":%q`, f.Rating)}
	if f.Mode != "" {
		p.mode = fmt.Appendf(nil, `"mode":%q`, f.Mode)
	}
	if f.Channel != "" {
		p.channel = fmt.Appendf(nil, `"channel":%q`, f.Channel)
	}
	// Text is compared without case; JSON escapes <, >, &, quotes and controls. Text
	// without any of those reads the same in the stored bytes.
	if text != "" && strings.ToUpper(text) == text && !strings.ContainsFunc(text, func(r rune) bool {
		return r < ' ' || strings.ContainsRune(`<>&"\`, r) || r == 0x2028 || r == 0x2029 || r == utf8.RuneError
	}) {
		p.text = []byte(text)
	}
	return p
}

var (
	noAnswerMode = []byte(`"mode":"no_answer"`)
	ratedDown    = []byte(`"rating":"down"`)
)

func (p prefilter) maybe(msg, feedback []byte, reviewed bool) bool {
	switch {
	case p.mode != nil && !bytes.Contains(msg, p.mode),
		p.channel != nil && !bytes.Contains(msg, p.channel),
		p.text != nil && !bytes.Contains(msg, p.text),
		p.rating == "none" && feedback != nil,
		p.rating != "" && p.rating != "none" && (feedback == nil || !bytes.Contains(feedback, p.ratingJSON)),
		p.review && (reviewed || (!bytes.Contains(msg, noAnswerMode) && !bytes.Contains(feedback, ratedDown))):
		return false
	}
	return true
}

var _ staff.Sources = (*Store)(nil)

// DatasetStats counts documents by dataset and status.
func (s *Store) DatasetStats(ctx context.Context) ([]staff.DatasetStat, error) {
	stats := map[[2]string]*staff.DatasetStat{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDocuments).ForEach(func(k, v []byte) error {
			parts, _, ok := splitKey(k, 2)
			if !ok {
				return fmt.Errorf("document key %x", k)
			}
			row, err := decodeDoc(v)
			if err != nil {
				return err
			}
			key := [2]string{parts[0], row.Status}
			d := stats[key]
			if d == nil {
				d = &staff.DatasetStat{Dataset: parts[0], Status: row.Status}
				stats[key] = d
			}
			d.N++
			if row.Snapshot.After(d.Snapshot) {
				d.Snapshot = row.Snapshot
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: dataset stats: %w", err)
	}
	out := make([]staff.DatasetStat, 0, len(stats))
	for _, d := range stats {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b staff.DatasetStat) int {
		return strings.Compare(a.Dataset+"\x00"+a.Status, b.Dataset+"\x00"+b.Status)
	})
	return out, nil
}

// IngestRuns lists the last n ingest runs, newest first.
func (s *Store) IngestRuns(ctx context.Context, n int) ([]staff.IngestRun, error) {
	runs, err := s.Runs(ctx)
	if err != nil {
		return nil, err
	}
	slices.Reverse(runs)
	out := make([]staff.IngestRun, 0, min(n, len(runs)))
	for _, r := range runs[:min(n, len(runs))] {
		out = append(out, staff.IngestRun{StartedAt: r.StartedAt, Duration: time.Duration(r.DurationMS) * time.Millisecond, OK: r.OK, Error: r.Error,
			Sources: r.Sources, Documents: r.Documents, Added: r.Added, Changed: r.Changed, Removed: r.Removed, Rejected: r.Rejected, Rejects: r.Rejects, Text: r.Text})
	}
	return out, nil
}

var _ staff.Proposals = (*Store)(nil)

// bucketProposals holds the proposed suppressions and restorations: id →
// staff.Proposal (JSON). It is made by the first proposal.
var bucketProposals = []byte("document_proposals")

// Propose stores a pending proposal to suppress or restore a document.
func (s *Store) Propose(ctx context.Context, p staff.Proposal) (staff.Proposal, error) {
	if _, err := staff.ProposalStatus(p.Action); err != nil {
		return staff.Proposal{}, err
	}
	p.Dataset, p.Key, p.Reason, p.ProposedBy = cleanText(p.Dataset), cleanText(p.Key), cleanText(p.Reason), cleanText(p.ProposedBy)
	p.Status, p.DecidedBy, p.DecidedAt, p.Note = staff.ProposalPending, "", time.Time{}, ""
	if p.ProposedAt.IsZero() {
		p.ProposedAt = time.Now()
	}
	p.ProposedAt = p.ProposedAt.UTC().Truncate(time.Microsecond)
	err := s.update(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketDocuments).Get(appendKey(nil, p.Dataset, p.Key))
		if v == nil {
			return retrieval.ErrNotFound
		}
		row, err := decodeDoc(v)
		if err != nil {
			return err
		}
		if err := staff.Proposable(p.Action, row.Status); err != nil {
			return err
		}
		p.Title = row.Title
		b, err := tx.CreateBucketIfNotExists(bucketProposals)
		if err != nil {
			return err
		}
		if b.Get([]byte(p.ID)) != nil {
			return staff.ErrExists
		}
		if err := b.ForEach(func(_, v []byte) error {
			var o staff.Proposal
			if err := json.Unmarshal(v, &o); err != nil {
				return err
			}
			if o.Status == staff.ProposalPending && o.Dataset == p.Dataset && o.Key == p.Key {
				return staff.ErrExists
			}
			return nil
		}); err != nil {
			return err
		}
		return putJSON(b, []byte(p.ID), p)
	})
	if err != nil {
		if errors.Is(err, staff.ErrExists) || errors.Is(err, staff.ErrConflict) || errors.Is(err, retrieval.ErrNotFound) {
			return staff.Proposal{}, err
		}
		return staff.Proposal{}, fmt.Errorf("memstore: propose: %w", err)
	}
	return p, nil
}

// Proposals lists proposals newest first; status "" lists them all.
func (s *Store) Proposals(ctx context.Context, status string) ([]staff.Proposal, error) {
	out := []staff.Proposal{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketProposals)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var p staff.Proposal
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("proposal %s: %w", k, err)
			}
			if status == "" || p.Status == status {
				out = append(out, p)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: proposals: %w", err)
	}
	slices.SortFunc(out, func(a, b staff.Proposal) int {
		if c := b.ProposedAt.Compare(a.ProposedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// Decide approves or rejects a pending proposal; an approval sets the document's
// status in the same transaction.
func (s *Store) Decide(ctx context.Context, id string, d staff.Decision) (staff.Proposal, error) {
	if s.closed.Load() {
		return staff.Proposal{}, ErrClosed
	}
	if d.At.IsZero() {
		d.At = time.Now()
	}
	s.docMu.Lock()
	defer s.docMu.Unlock()
	var (
		p       staff.Proposal
		changes []docChange
	)
	err := s.update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := tx.Bucket(bucketProposals)
		if b == nil {
			return staff.ErrNotFound
		}
		if err := getJSON(b, []byte(id), &p); err != nil {
			return err
		}
		switch {
		case p.Status != staff.ProposalPending:
			return staff.ErrDecided
		case strings.EqualFold(strings.TrimSpace(p.ProposedBy), strings.TrimSpace(d.By)):
			return staff.ErrFourEyes
		}
		if d.Approve {
			status, err := staff.ProposalStatus(p.Action)
			if err != nil {
				return err
			}
			v := tx.Bucket(bucketDocuments).Get(appendKey(nil, p.Dataset, p.Key))
			if v == nil {
				return retrieval.ErrNotFound
			}
			row, err := decodeDoc(v)
			if err != nil {
				return err
			}
			if row.Status == string(corpus.StatusFlagged) {
				return staff.Proposable(p.Action, row.Status)
			}
			if row.Status != string(status) {
				change, _, err := setStatusTx(tx, p.Dataset, p.Key, status)
				if err != nil {
					return err
				}
				changes = append(changes, change)
			}
			p.Status = staff.ProposalApproved
		} else {
			p.Status = staff.ProposalRejected
		}
		p.DecidedBy, p.DecidedAt, p.Note = cleanText(d.By), d.At.UTC().Truncate(time.Microsecond), cleanText(d.Note)
		return putJSON(b, []byte(id), p)
	})
	switch {
	case errors.Is(err, staff.ErrNotFound), errors.Is(err, staff.ErrDecided), errors.Is(err, staff.ErrFourEyes),
		errors.Is(err, staff.ErrConflict), errors.Is(err, retrieval.ErrNotFound):
		return staff.Proposal{}, err
	case err != nil:
		return staff.Proposal{}, fmt.Errorf("memstore: decide: %w", err)
	}
	if len(changes) > 0 {
		s.publish(changes)
	}
	return p, nil
}
