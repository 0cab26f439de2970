package console

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/staff"
)

// list is the shape of every list the staff API returns.
type list[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

// turnItem is a turn as the staff API shows it.
type turnItem struct {
	MessageID string                `json:"message_id"`
	SessionID string                `json:"session_id,omitempty"`
	Channel   string                `json:"channel"`
	Question  string                `json:"question"`
	Answer    string                `json:"answer"`
	Mode      conversation.Mode     `json:"mode"`
	Rating    string                `json:"rating"`
	Comment   string                `json:"comment,omitempty"`
	Fallback  string                `json:"fallback,omitempty"`
	Reviewed  string                `json:"reviewed,omitempty"`
	Sources   []conversation.Source `json:"sources"`
	CreatedAt time.Time             `json:"created_at"`
}

func itemOf(t staff.TurnRow) turnItem {
	src := t.Sources
	if src == nil {
		src = []conversation.Source{}
	}
	return turnItem{MessageID: t.MessageID, SessionID: t.SessionID, Channel: t.Channel, Question: t.Question, Answer: t.Answer, Mode: t.Mode,
		Rating: t.Rating, Comment: t.Comment, Fallback: t.Fallback, Reviewed: t.Reviewed, Sources: src, CreatedAt: t.CreatedAt}
}

// parseTime reads a date (YYYY-MM-DD, Taipei time) or an RFC 3339 time; "" is zero.
func parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, taipei); err == nil {
		return t, nil
	}
	return time.Time{}, badRequest("%s %q: want YYYY-MM-DD or an RFC 3339 time", name, v)
}

// taipei is Taiwan's time zone (UTC+8, no daylight saving), in which staff read dates.
var taipei = time.FixedZone("Asia/Taipei", 8*3600)

func oneOf(name, v string, allowed ...string) error {
	if v == "" || slices.Contains(allowed, v) {
		return nil
	}
	return badRequest("%s %q: want one of %s", name, v, strings.Join(allowed, ", "))
}

var modeNames = []string{string(conversation.ModeExtractive), string(conversation.ModeGenerated), string(conversation.ModeCurated), string(conversation.ModeEmergency), string(conversation.ModeRefusal), string(conversation.ModeNoAnswer)}

// turnFilter reads the conversation filters of a request.
func turnFilter(r *http.Request) (staff.TurnFilter, error) {
	q := r.URL.Query()
	f := staff.TurnFilter{Mode: q.Get("mode"), Rating: q.Get("rating"), Channel: q.Get("channel"), Text: q.Get("q"), Limit: 50}
	var err error
	if f.From, err = parseTime("from", q.Get("from")); err != nil {
		return f, err
	}
	if f.To, err = parseTime("to", q.Get("to")); err != nil {
		return f, err
	}
	if v := q.Get("to"); len(v) == len("2006-01-02") && err == nil {
		f.To = f.To.AddDate(0, 0, 1) // a date includes its whole day
	}
	if err := errors.Join(oneOf("mode", f.Mode, modeNames...), oneOf("rating", f.Rating, "up", "down", "none"),
		oneOf("channel", f.Channel, "web", "line", "cli")); err != nil {
		return f, err
	}
	if utf8.RuneCountInString(f.Text) > 200 {
		return f, badRequest("q: at most 200 characters")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return f, badRequest("limit %q: want 1 to 500", v)
		}
		f.Limit = n
	}
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		at, id, ok := strings.Cut(string(b), "|")
		us, err2 := strconv.ParseInt(at, 10, 64)
		if err != nil || !ok || err2 != nil {
			return f, badRequest("cursor: not one this API gave")
		}
		f.Before = staff.Cursor{At: time.UnixMicro(us), ID: id}
	}
	return f, nil
}

func cursorOf(t staff.TurnRow) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d|%s", t.CreatedAt.UnixMicro(), t.MessageID))
}

func (s *Server) handleConversations(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	f, err := turnFilter(r)
	if err != nil {
		return 0, nil, err
	}
	rows, err := s.data.Conversations(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	out := list[turnItem]{Items: make([]turnItem, 0, len(rows))}
	for _, t := range rows {
		out.Items = append(out.Items, itemOf(t))
	}
	if len(rows) == f.Limit {
		out.Next = cursorOf(rows[len(rows)-1])
	}
	return http.StatusOK, out, nil
}

// maxReview is how many waiting turns the review queue groups.
const maxReview = 20000

func (s *Server) reviewItems(r *http.Request) ([]staff.ReviewItem, error) {
	return s.review.Items(r.Context())
}

func (s *Server) handleReview(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	items, err := s.reviewItems(r)
	if err != nil {
		return 0, nil, err
	}
	if items == nil {
		items = []staff.ReviewItem{}
	}
	return http.StatusOK, list[staff.ReviewItem]{Items: items}, nil
}

// reviewGroup returns the review item with an id, for acting on all its turns.
func (s *Server) reviewGroup(r *http.Request, id string) (staff.ReviewItem, error) {
	items, err := s.reviewItems(r)
	if err != nil {
		return staff.ReviewItem{}, err
	}
	for _, it := range items {
		if it.ID == id || slices.Contains(it.IDs, id) {
			return it, nil
		}
	}
	return staff.ReviewItem{}, staff.ErrNotFound
}

type dismissBody struct {
	Reason string `json:"reason"`
}

func (s *Server) handleDismiss(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	var b dismissBody
	if err := decode(w, r, &b); err != nil {
		return 0, nil, err
	}
	if b.Reason = strings.TrimSpace(b.Reason); b.Reason == "" || utf8.RuneCountInString(b.Reason) > 500 {
		return 0, nil, badRequest("reason: say why, in at most 500 characters")
	}
	it, err := s.reviewGroup(r, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if err := s.data.MarkReviewed(r.Context(), it.IDs, "dismissed", b.Reason, p.Actor); err != nil {
		return 0, nil, err
	}
	s.review.Marked(it.IDs)
	if err := s.auth.Audit(r.Context(), p.Actor, "review.dismiss", it.Question, s.clientAddr(r), nil, map[string]any{"count": it.Count, "reason": b.Reason}); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"id": it.ID, "dismissed": it.Count}, nil
}

// curatedBody is a curated answer as staff draft or edit it.
type curatedBody struct {
	Questions []string `json:"questions"`
	Answer    string   `json:"answer"`
	Sources   []struct {
		Dataset string `json:"dataset"`
		Key     string `json:"key"`
	} `json:"sources"`
	ExpiresAt string `json:"expires_at"`
	// ReviewID is the review item the answer is drafted from: its questions leave
	// the queue.
	ReviewID string `json:"review_id,omitempty"`
}

// Limits of a curated answer.
const (
	maxQuestions   = 50
	maxQuestionLen = 500
	maxAnswerLen   = 5000
	maxSources     = 10
)

// curated checks a draft and resolves its sources to the documents they name.
func (s *Server) curated(r *http.Request, b curatedBody) (conversation.Curated, error) {
	var c conversation.Curated
	for _, q := range b.Questions {
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		if utf8.RuneCountInString(q) > maxQuestionLen {
			return c, badRequest("questions: each at most %d characters", maxQuestionLen)
		}
		if !slices.Contains(c.Questions, q) {
			c.Questions = append(c.Questions, q)
		}
	}
	if len(c.Questions) == 0 || len(c.Questions) > maxQuestions {
		return c, badRequest("questions: give 1 to %d questions this answer is for", maxQuestions)
	}
	if c.Answer = strings.TrimSpace(b.Answer); c.Answer == "" || utf8.RuneCountInString(c.Answer) > maxAnswerLen {
		return c, badRequest("answer: give the answer, at most %d characters", maxAnswerLen)
	}
	if len(b.Sources) > maxSources {
		return c, badRequest("sources: at most %d", maxSources)
	}
	for _, src := range b.Sources {
		h, err := s.document(r, src.Dataset, src.Key)
		if err != nil {
			return c, badRequest("sources: no document %s/%s to cite", src.Dataset, src.Key)
		}
		c.Sources = append(c.Sources, sourceOf(h))
	}
	if c.Sources == nil {
		c.Sources = []conversation.Source{}
	}
	exp, err := parseTime("expires_at", b.ExpiresAt)
	if err != nil {
		return c, err
	}
	if !exp.IsZero() && !exp.After(s.now()) {
		return c, badRequest("expires_at: a date in the future, or none")
	}
	c.ExpiresAt = exp
	return c, nil
}

// document finds a document by its exact dataset and key.
func (s *Server) document(r *http.Request, dataset, key string) (retrieval.Hit, error) {
	if dataset == "" || key == "" {
		return retrieval.Hit{}, retrieval.ErrNotFound
	}
	return s.data.Get(r.Context(), dataset, key)
}

func sourceOf(h retrieval.Hit) conversation.Source {
	src := conversation.Source{Dataset: h.Dataset, Key: h.Key, Title: h.Title, URL: h.URL}
	if !h.Snapshot.IsZero() {
		src.Snapshot = h.Snapshot.Format("2006-01-02")
	}
	return src
}

func (s *Server) handleCuratedList(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	all, err := s.data.CuratedAnswers(r.Context())
	if err != nil {
		return 0, nil, err
	}
	if all == nil {
		all = []conversation.Curated{}
	}
	if st := r.URL.Query().Get("status"); st != "" {
		if err := oneOf("status", st, conversation.CuratedDraft, conversation.CuratedApproved, conversation.CuratedRetired); err != nil {
			return 0, nil, err
		}
		all = slices.DeleteFunc(all, func(c conversation.Curated) bool { return c.Status != st })
	}
	return http.StatusOK, list[conversation.Curated]{Items: all}, nil
}

func (s *Server) handleCuratedDraft(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	var b curatedBody
	if err := decode(w, r, &b); err != nil {
		return 0, nil, err
	}
	c, err := s.curated(r, b)
	if err != nil {
		return 0, nil, err
	}
	var group staff.ReviewItem
	if b.ReviewID != "" {
		if group, err = s.reviewGroup(r, b.ReviewID); err != nil {
			return 0, nil, badRequest("review_id: no such item in the review queue")
		}
	}
	c.ID, c.Status, c.Author = staff.NewID(), conversation.CuratedDraft, p.Actor
	if err := s.data.PutCurated(r.Context(), []conversation.Curated{c}); err != nil {
		return 0, nil, err
	}
	if len(group.IDs) > 0 {
		if err := s.data.MarkReviewed(r.Context(), group.IDs, "curated", c.ID, p.Actor); err != nil {
			return 0, nil, err
		}
		s.review.Marked(group.IDs)
	}
	if err := s.auth.Audit(r.Context(), p.Actor, "curated.draft", c.ID, s.clientAddr(r), nil, c); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]string{"id": c.ID, "status": c.Status}, nil
}

// findCurated returns the curated answer with an id.
func (s *Server) findCurated(r *http.Request, id string) (conversation.Curated, error) {
	all, err := s.data.CuratedAnswers(r.Context())
	if err != nil {
		return conversation.Curated{}, err
	}
	for _, c := range all {
		if c.ID == id {
			return c, nil
		}
	}
	return conversation.Curated{}, staff.ErrNotFound
}

// changeCurated applies a change to a curated answer, saves it, audits it with its
// before and after, and makes this process's engine read the answers again.
func (s *Server) changeCurated(r *http.Request, p staff.Principal, action string, change func(c *conversation.Curated) error) (int, any, error) {
	c, err := s.findCurated(r, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	before := c
	if err := change(&c); err != nil {
		return 0, nil, err
	}
	if err := s.data.PutCurated(r.Context(), []conversation.Curated{c}); err != nil {
		return 0, nil, err
	}
	s.engine.ReloadCurated()
	if err := s.auth.Audit(r.Context(), p.Actor, action, c.ID, s.clientAddr(r), before, c); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"id": c.ID, "status": c.Status}, nil
}

func (s *Server) handleCuratedEdit(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	var b curatedBody
	if err := decode(w, r, &b); err != nil {
		return 0, nil, err
	}
	edited, err := s.curated(r, b)
	if err != nil {
		return 0, nil, err
	}
	return s.changeCurated(r, p, "curated.edit", func(c *conversation.Curated) error {
		if c.Status == conversation.CuratedRetired {
			return &apiError{http.StatusConflict, "a retired answer is not edited: draft a new one"}
		}
		// An edit is a new draft by its editor: it needs another approval.
		c.Questions, c.Answer, c.Sources, c.ExpiresAt = edited.Questions, edited.Answer, edited.Sources, edited.ExpiresAt
		c.Status, c.Author, c.ApprovedBy = conversation.CuratedDraft, p.Actor, ""
		return nil
	})
}

func (s *Server) handleCuratedApprove(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	return s.changeCurated(r, p, "curated.approve", func(c *conversation.Curated) error {
		switch {
		case c.Status != conversation.CuratedDraft:
			return &apiError{http.StatusConflict, fmt.Sprintf("only a draft is approved; this answer is %s", c.Status)}
		case strings.EqualFold(c.Author, p.Actor):
			return staff.ErrFourEyes
		}
		c.Status, c.ApprovedBy = conversation.CuratedApproved, p.Actor
		return nil
	})
}

func (s *Server) handleCuratedRetire(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	return s.changeCurated(r, p, "curated.retire", func(c *conversation.Curated) error {
		if c.Status == conversation.CuratedRetired {
			return &apiError{http.StatusConflict, "already retired"}
		}
		c.Status = conversation.CuratedRetired
		return nil
	})
}

type documentBody struct {
	Dataset string `json:"dataset"`
	Key     string `json:"key"`
	Reason  string `json:"reason"`
}

// setStatus is an approver's direct suppression or restoration, kept for urgent harm
// (see proposals.go): audited as direct, with its reason.
func (s *Server) setStatus(status corpus.Status, action string) func(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	return func(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
		var b documentBody
		if err := decode(w, r, &b); err != nil {
			return 0, nil, err
		}
		if b.Dataset == "" || b.Key == "" {
			return 0, nil, badRequest("dataset and key: name the document")
		}
		if b.Reason = strings.TrimSpace(b.Reason); b.Reason == "" || utf8.RuneCountInString(b.Reason) > 500 {
			return 0, nil, badRequest("reason: say why, in at most 500 characters")
		}
		if held, err := s.isFlagged(r, b.Dataset, b.Key); err != nil {
			return 0, nil, err
		} else if held {
			return 0, nil, &apiError{http.StatusConflict, "this document is held since ingest: release it (documents/release), or leave it held"}
		}
		if err := s.data.SetStatus(r.Context(), b.Dataset, b.Key, status); err != nil {
			return 0, nil, err
		}
		target := b.Dataset + "/" + b.Key
		if err := s.auth.Audit(r.Context(), p.Actor, action, target, s.clientAddr(r), nil, map[string]any{"status": string(status), "reason": b.Reason, "direct": true}); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]string{"dataset": b.Dataset, "key": b.Key, "status": string(status)}, nil
	}
}

type previewBody struct {
	Message string `json:"message"`
	Locale  string `json:"locale"`
}

type candidate struct {
	Dataset    string   `json:"dataset"`
	Key        string   `json:"key"`
	Title      string   `json:"title"`
	Score      float64  `json:"score"`
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence"`
}

type previewResult struct {
	Answer       string                `json:"answer"`
	Mode         conversation.Mode     `json:"mode"`
	Sources      []conversation.Source `json:"sources"`
	Candidates   []candidate           `json:"candidates"`
	Triage       string                `json:"triage"`
	TriageReason string                `json:"triage_reason,omitempty"`
	Curated      *bot.CuratedMatch     `json:"curated"`
	Fallback     string                `json:"fallback,omitempty"`
}

func (s *Server) preview(r *http.Request, b previewBody) (previewResult, error) {
	if utf8.RuneCountInString(b.Message) > 2000 {
		return previewResult{}, badRequest("message: at most 2000 characters")
	}
	a, tr, err := s.engine.Preview(r.Context(), bot.Request{Message: b.Message, Locale: b.Locale, Channel: "preview"})
	if err != nil {
		return previewResult{}, err
	}
	out := previewResult{Answer: a.Text, Mode: a.Mode, Sources: a.Sources, Candidates: []candidate{}, Triage: tr.Triage,
		TriageReason: tr.TriageReason, Curated: tr.Curated, Fallback: a.Fallback}
	for _, h := range tr.Candidates {
		out.Candidates = append(out.Candidates, candidate{Dataset: h.Dataset, Key: h.Key, Title: h.Title, Score: h.Score,
			Confidence: h.Confidence, Evidence: h.Evidence})
	}
	return out, nil
}

func (s *Server) handlePreview(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	var b previewBody
	if err := decode(w, r, &b); err != nil {
		return 0, nil, err
	}
	out, err := s.preview(r, b)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

type auditItem struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Before string    `json:"before,omitempty"`
	After  string    `json:"after,omitempty"`
	Addr   string    `json:"addr,omitempty"`
}

func auditFilter(r *http.Request) (staff.AuditFilter, error) {
	q := r.URL.Query()
	f := staff.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), Limit: 100}
	var err error
	if f.From, err = parseTime("from", q.Get("from")); err != nil {
		return f, err
	}
	if f.To, err = parseTime("to", q.Get("to")); err != nil {
		return f, err
	}
	if v := q.Get("cursor"); v != "" {
		if f.Before, err = strconv.ParseInt(v, 10, 64); err != nil || f.Before <= 0 {
			return f, badRequest("cursor: not one this API gave")
		}
	}
	return f, nil
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	f, err := auditFilter(r)
	if err != nil {
		return 0, nil, err
	}
	entries, err := s.auth.Store().Audit(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	out := list[auditItem]{Items: make([]auditItem, 0, len(entries))}
	for _, e := range entries {
		out.Items = append(out.Items, auditItem{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, Target: e.Target, Before: e.Before, After: e.After, Addr: e.Addr})
	}
	if len(entries) == f.Limit {
		out.Next = strconv.FormatInt(entries[len(entries)-1].ID, 10)
	}
	return http.StatusOK, out, nil
}

type tokenItem struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      staff.Role `json:"role"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	LastUsed  time.Time  `json:"last_used,omitzero"`
	Revoked   bool       `json:"revoked"`
}

func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	creds, err := s.auth.Store().Credentials(r.Context(), staff.KindToken)
	if err != nil {
		return 0, nil, err
	}
	out := list[tokenItem]{Items: []tokenItem{}}
	for _, c := range creds {
		out.Items = append(out.Items, tokenItem{ID: c.Hash, Name: c.Name, Role: c.Role, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt,
			ExpiresAt: c.ExpiresAt, LastUsed: c.LastUsed, Revoked: c.Revoked})
	}
	return http.StatusOK, out, nil
}

type tokenBody struct {
	Name          string `json:"name"`
	Role          string `json:"role"`
	ExpiresInDays int    `json:"expires_in_days"`
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	var b tokenBody
	if err := decode(w, r, &b); err != nil {
		return 0, nil, err
	}
	role, err := staff.ParseRole(b.Role)
	if err != nil {
		return 0, nil, badRequest("role %q: want viewer, editor, approver or admin", b.Role)
	}
	if b.ExpiresInDays < 0 || b.ExpiresInDays > 3*365 {
		return 0, nil, badRequest("expires_in_days: 1 to %d (0: 90)", 3*365)
	}
	secret, c, err := s.auth.CreateToken(r.Context(), strings.TrimSpace(b.Name), role, time.Duration(b.ExpiresInDays)*24*time.Hour, p.Actor, s.clientAddr(r))
	if err != nil {
		return 0, nil, badRequest("%v", err)
	}
	return http.StatusCreated, map[string]any{"id": c.Hash, "token": secret, "expires_at": c.ExpiresAt}, nil
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	if err := s.auth.RevokeToken(r.Context(), r.PathValue("id"), p.Actor, s.clientAddr(r)); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"id": r.PathValue("id"), "revoked": true}, nil
}

type staffItem struct {
	ID        string     `json:"id"`
	Email     string     `json:"email"`
	Role      staff.Role `json:"role"`
	Disabled  bool       `json:"disabled"`
	CreatedAt time.Time  `json:"created_at"`
}

func (s *Server) handleStaff(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	accs, err := s.auth.Store().Accounts(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := list[staffItem]{Items: []staffItem{}}
	for _, a := range accs {
		out.Items = append(out.Items, staffItem{ID: a.ID, Email: a.Email, Role: a.Role, Disabled: a.Disabled, CreatedAt: a.CreatedAt})
	}
	return http.StatusOK, out, nil
}

type inviteBody struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

func (s *Server) handleStaffAdd(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	var b inviteBody
	if err := decode(w, r, &b); err != nil {
		return 0, nil, err
	}
	role, err := staff.ParseRole(b.Role)
	if err != nil {
		return 0, nil, badRequest("role %q: want viewer, editor, approver or admin", b.Role)
	}
	if _, err := staff.NormalizeEmail(b.Email); err != nil {
		return 0, nil, badRequest("email: %v", err)
	}
	secret, acc, err := s.auth.Invite(r.Context(), b.Email, role, p.Actor, s.clientAddr(r))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"id": acc.ID, "email": acc.Email, "role": acc.Role, "link": LinkURL(baseOf(r), secret)}, nil
}

func (s *Server) setDisabled(disabled bool) func(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	return func(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
		id := r.PathValue("id")
		if disabled && id == p.AccountID {
			return 0, nil, &apiError{http.StatusConflict, "an admin does not disable their own account"}
		}
		acc, err := s.auth.SetDisabled(r.Context(), id, disabled, p.Actor, s.clientAddr(r))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, staffItem{ID: acc.ID, Email: acc.Email, Role: acc.Role, Disabled: acc.Disabled, CreatedAt: acc.CreatedAt}, nil
	}
}

// baseOf is the server's address as the request reached it.
func baseOf(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// LinkURL is the address of a one-time sign-in link.
func LinkURL(base, secret string) string {
	return strings.TrimSuffix(base, "/") + "/admin/link?t=" + secret
}
