package console

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/staff"
)

// staleAfter is how old a dataset's newest data may be before the console warns.
const staleAfter = 90 * 24 * time.Hour

// datasetItem is a dataset as the console shows it.
type datasetItem struct {
	Dataset  string         `json:"dataset"`
	Statuses map[string]int `json:"statuses"`
	Total    int            `json:"total"`
	Snapshot time.Time      `json:"snapshot,omitzero"`
	Old      bool           `json:"old"` // the newest data is older than 90 days
}

type sourcesResult struct {
	Items []datasetItem     `json:"items"`
	Runs  []staff.IngestRun `json:"runs"`
	Next  string            `json:"next"`
	Order []string          `json:"-"`
}

func (s *Server) sources(r *http.Request) (sourcesResult, error) {
	stats, err := s.data.DatasetStats(r.Context())
	if err != nil {
		return sourcesResult{}, err
	}
	runs, err := s.data.IngestRuns(r.Context(), 10)
	if err != nil {
		return sourcesResult{}, err
	}
	out := sourcesResult{Items: []datasetItem{}, Runs: runs, Order: statusOrder}
	if out.Runs == nil {
		out.Runs = []staff.IngestRun{}
	}
	for _, st := range stats {
		if len(out.Items) == 0 || out.Items[len(out.Items)-1].Dataset != st.Dataset {
			out.Items = append(out.Items, datasetItem{Dataset: st.Dataset, Statuses: map[string]int{}})
		}
		d := &out.Items[len(out.Items)-1]
		d.Statuses[st.Status] += st.N
		d.Total += st.N
		if st.Snapshot.After(d.Snapshot) {
			d.Snapshot = st.Snapshot
		}
	}
	for i := range out.Items {
		out.Items[i].Old = !out.Items[i].Snapshot.IsZero() && s.now().Sub(out.Items[i].Snapshot) > staleAfter
	}
	return out, nil
}

// statusOrder is the order the console lists document statuses in.
var statusOrder = []string{string(corpus.StatusActive), string(corpus.StatusCancelled), string(corpus.StatusStale), string(corpus.StatusSuppressed), "flagged"}

func (s *Server) handleSources(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	out, err := s.sources(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

// documentItem is a document found in the browser.
type documentItem struct {
	Dataset  string    `json:"dataset"`
	Key      string    `json:"key"`
	Title    string    `json:"title"`
	URL      string    `json:"url"`
	Status   string    `json:"status"`
	Snapshot time.Time `json:"snapshot,omitzero"`
	Snippet  string    `json:"snippet,omitempty"`
	Score    float64   `json:"score"`
}

// findDocuments searches every status (suppressed ones too: staff restore them).
func (s *Server) findDocuments(r *http.Request) ([]documentItem, error) {
	q := r.URL.Query()
	text, dataset, status := strings.TrimSpace(q.Get("q")), q.Get("dataset"), q.Get("status")
	if text == "" {
		return []documentItem{}, nil
	}
	if utf8.RuneCountInString(text) > 200 {
		return nil, badRequest("q: at most 200 characters")
	}
	if err := oneOf("status", status, statusOrder...); err != nil {
		return nil, err
	}
	query := retrieval.Query{Text: text, K: 30, Statuses: statusOrder}
	if status != "" {
		query.Statuses = []string{status}
	}
	if dataset != "" {
		query.Datasets = []string{dataset}
	}
	hits, err := s.data.Search(r.Context(), query)
	if err != nil {
		return nil, err
	}
	out := make([]documentItem, 0, len(hits))
	for _, h := range hits {
		out = append(out, documentItem{Dataset: h.Dataset, Key: h.Key, Title: h.Title, URL: h.URL, Status: h.Status, Snapshot: h.Snapshot, Snippet: h.Snippet, Score: h.Score})
	}
	return out, nil
}

func (s *Server) handleDocuments(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	items, err := s.findDocuments(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, list[documentItem]{Items: items}, nil
}

func (s *Server) handleSourcesPage(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	src, err := s.sources(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	docs, err := s.findDocuments(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flags, err := s.data.Flagged(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	props, err := s.data.Proposals(r.Context(), "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var pending, decided []staff.Proposal
	for _, pr := range props {
		switch {
		case pr.Status == staff.ProposalPending:
			pending = append(pending, pr)
		case len(decided) < recentDecisions:
			decided = append(decided, pr)
		}
	}
	datasets := []string{}
	for _, d := range src.Items {
		datasets = append(datasets, d.Dataset)
	}
	slices.Sort(datasets)
	s.render(w, r, http.StatusOK, "sources", page{Title: "sources", Nav: "sources",
		Data: map[string]any{"Sources": src, "Docs": docs, "Flags": flags, "Pending": pending, "Decided": decided, "Q": r.URL.Query(), "Datasets": datasets, "Statuses": statusOrder}})
}

// recentDecisions is how many decided proposals the sources page shows.
const recentDecisions = 10

func (s *Server) handleDocumentPage(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	h, err := s.data.Get(r.Context(), r.URL.Query().Get("dataset"), r.URL.Query().Get("key"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "document", page{Title: "document", Nav: "sources", Data: h})
}

func (s *Server) handleStatusForm(status corpus.Status, action string) func(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	h := s.setStatus(status, action)
	return func(w http.ResponseWriter, r *http.Request, p staff.Principal) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		body := documentBody{Dataset: r.PostFormValue("dataset"), Key: r.PostFormValue("key"), Reason: r.PostFormValue("reason")}
		if _, _, err := s.apiCall(w, r, p, body, h); err != nil {
			s.fail(w, r, err)
			return
		}
		back := "/admin/sources"
		if q := r.PostFormValue("q"); q != "" {
			back += "?q=" + urlQueryEscape(q)
		}
		done(w, r, back, string(status))
	}
}

func (s *Server) handleFlagged(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	flags, err := s.data.Flagged(r.Context())
	if err != nil {
		return 0, nil, err
	}
	if flags == nil {
		flags = []ingest.Flag{}
	}
	return http.StatusOK, list[ingest.Flag]{Items: flags}, nil
}

// handleRelease lets a document flagged at ingest be used (its content, as flagged:
// changed content is screened again), with the reason in the audit log.
func (s *Server) handleRelease(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
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
	f, err := s.data.Release(r.Context(), b.Dataset, b.Key)
	if err != nil {
		return 0, nil, err
	}
	if err := s.auth.Audit(r.Context(), p.Actor, "documents.release", b.Dataset+"/"+b.Key, s.clientAddr(r), f, map[string]string{"reason": b.Reason}); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"dataset": b.Dataset, "key": b.Key, "status": "released"}, nil
}

// isFlagged reports whether a document is held at ingest: it is released, not restored.
func (s *Server) isFlagged(r *http.Request, dataset, key string) (bool, error) {
	flags, err := s.data.Flagged(r.Context())
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(flags, func(f ingest.Flag) bool { return f.Dataset == dataset && f.Key == key }), nil
}

func (s *Server) handleReleaseForm(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	body := documentBody{Dataset: r.PostFormValue("dataset"), Key: r.PostFormValue("key"), Reason: r.PostFormValue("reason")}
	if _, _, err := s.apiCall(w, r, p, body, s.handleRelease); err != nil {
		s.fail(w, r, err)
		return
	}
	done(w, r, "/admin/sources", "released")
}
