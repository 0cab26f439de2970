package console

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/staff"
)

// Limits of a staff synonym group.
const (
	maxSynonymWords = 20
	maxSynonymRunes = 30
)

// synonymName is what a group's name may be: lower-case letters, digits and hyphens, as
// the names of synonyms.tsv.
var synonymName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

type synonymBody struct {
	Name  string   `json:"name"`
	Words []string `json:"words"`
}

func (s *Server) handleSynonymList(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	all, err := s.data.StaffSynonyms(r.Context())
	if err != nil {
		return 0, nil, err
	}
	if st := r.URL.Query().Get("status"); st != "" {
		if err := oneOf("status", st, retrieval.SynonymDraft, retrieval.SynonymApproved, retrieval.SynonymRetired); err != nil {
			return 0, nil, err
		}
		all = slices.DeleteFunc(all, func(g retrieval.StaffSynonym) bool { return g.Status != st })
	}
	if all == nil {
		all = []retrieval.StaffSynonym{}
	}
	return http.StatusOK, list[retrieval.StaffSynonym]{Items: all}, nil
}

// checkSynonyms refuses, with a 400 and the reason, a group that could not be in use
// beside the built-in groups and the approved staff groups other than itself.
func (s *Server) checkSynonyms(r *http.Request, g retrieval.StaffSynonym) error {
	all, err := s.data.StaffSynonyms(r.Context())
	if err != nil {
		return err
	}
	return checkSynonymsIn(all, g)
}

// checkSynonymsIn refuses a group that could not be in use beside the built-in groups
// and the approved groups of all other than itself.
func checkSynonymsIn(all []retrieval.StaffSynonym, g retrieval.StaffSynonym) error {
	others := slices.DeleteFunc(retrieval.Approved(all), func(o retrieval.StaffSynonym) bool { return o.ID == g.ID })
	for _, o := range all {
		if o.ID != g.ID && o.Name == g.Name && o.Status != retrieval.SynonymRetired {
			return badRequest("name: %q is the name of another group", g.Name)
		}
	}
	if err := retrieval.CheckStaffSynonyms(append(others, g)); err != nil {
		if errors.Is(err, retrieval.ErrSynonymConflict) {
			return badRequest("%s", strings.TrimPrefix(err.Error(), retrieval.ErrSynonymConflict.Error()+": "))
		}
		return err
	}
	return nil
}

// DraftSynonym makes a draft synonym group of words (name "" for one made up) by
// author, checked as the console checks it against the groups there are (all): 2 to
// 20 words of at most 30 characters, a name of lower-case letters, digits and
// hyphens no other group in use has, and no word that would join it to another
// group. The console's Synonyms page and `civicbot synonyms add` both draft through
// it; an approver other than the author puts the draft into use. Its errors say what
// to change.
func DraftSynonym(all []retrieval.StaffSynonym, name string, words []string, author string) (retrieval.StaffSynonym, error) {
	words = retrieval.NormalizeSynonym(words)
	if len(words) < 2 || len(words) > maxSynonymWords {
		return retrieval.StaffSynonym{}, badRequest("words: give 2 to %d words that mean the same", maxSynonymWords)
	}
	for _, w := range words {
		if utf8.RuneCountInString(w) > maxSynonymRunes {
			return retrieval.StaffSynonym{}, badRequest("words: %q is longer than %d characters", w, maxSynonymRunes)
		}
	}
	id := staff.NewID()
	name = cmp.Or(strings.TrimSpace(name), "staff-"+strings.ToLower(id))
	if !synonymName.MatchString(name) {
		return retrieval.StaffSynonym{}, badRequest("name: lower-case letters, digits and hyphens, at most 40")
	}
	g := retrieval.StaffSynonym{ID: id, Name: name, Words: words, Status: retrieval.SynonymDraft, Author: author}
	if err := checkSynonymsIn(all, g); err != nil {
		return retrieval.StaffSynonym{}, err
	}
	return g, nil
}

func (s *Server) handleSynonymDraft(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	var b synonymBody
	if err := decode(w, r, &b); err != nil {
		return 0, nil, err
	}
	all, err := s.data.StaffSynonyms(r.Context())
	if err != nil {
		return 0, nil, err
	}
	g, err := DraftSynonym(all, b.Name, b.Words, p.Actor)
	if err != nil {
		return 0, nil, err
	}
	if err := s.data.PutStaffSynonym(r.Context(), g); err != nil {
		return 0, nil, err
	}
	if err := s.auth.Audit(r.Context(), p.Actor, "synonyms.draft", g.ID, s.clientAddr(r), nil, g); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]string{"id": g.ID, "status": g.Status}, nil
}

// changeSynonym applies a change to a staff group, saves it, puts the approved groups
// into use in this process (other processes follow the store's announcement), and
// audits the change with its before and after.
func (s *Server) changeSynonym(r *http.Request, p staff.Principal, action string, change func(g *retrieval.StaffSynonym) error) (int, any, error) {
	all, err := s.data.StaffSynonyms(r.Context())
	if err != nil {
		return 0, nil, err
	}
	i := slices.IndexFunc(all, func(g retrieval.StaffSynonym) bool { return g.ID == r.PathValue("id") })
	if i < 0 {
		return 0, nil, staff.ErrNotFound
	}
	g := all[i]
	before := g
	if err := change(&g); err != nil {
		return 0, nil, err
	}
	if err := s.data.PutStaffSynonym(r.Context(), g); err != nil {
		return 0, nil, err
	}
	if err := (retrieval.StaffSynonyms{Store: s.data}).Reload(r.Context()); err != nil {
		s.log.Error("staff synonyms: reload", "err", err)
	}
	if err := s.auth.Audit(r.Context(), p.Actor, action, g.ID, s.clientAddr(r), before, g); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"id": g.ID, "status": g.Status}, nil
}

func (s *Server) handleSynonymApprove(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	return s.changeSynonym(r, p, "synonyms.approve", func(g *retrieval.StaffSynonym) error {
		switch {
		case g.Status != retrieval.SynonymDraft:
			return &apiError{http.StatusConflict, fmt.Sprintf("only a draft is approved; this group is %s", g.Status)}
		case strings.EqualFold(g.Author, p.Actor):
			return staff.ErrFourEyes
		}
		// Approved meanwhile, another group may have taken a word.
		g.Status, g.ApprovedBy = retrieval.SynonymApproved, p.Actor
		return s.checkSynonyms(r, *g)
	})
}

func (s *Server) handleSynonymRetire(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	return s.changeSynonym(r, p, "synonyms.retire", func(g *retrieval.StaffSynonym) error {
		if g.Status == retrieval.SynonymRetired {
			return &apiError{http.StatusConflict, "already retired"}
		}
		g.Status = retrieval.SynonymRetired
		return nil
	})
}

// Console pages.

func (s *Server) handleSynonymsPage(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	s.renderSynonyms(w, r, http.StatusOK, "", synonymBody{})
}

func (s *Server) renderSynonyms(w http.ResponseWriter, r *http.Request, code int, msg string, form synonymBody) {
	all, err := s.data.StaffSynonyms(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	order := map[string]int{retrieval.SynonymDraft: 0, retrieval.SynonymApproved: 1, retrieval.SynonymRetired: 2}
	slices.SortStableFunc(all, func(a, b retrieval.StaffSynonym) int { return cmp.Compare(order[a.Status], order[b.Status]) })
	s.render(w, r, code, "synonyms", page{Title: "synonyms", Nav: "synonyms", Error: msg,
		Data: map[string]any{"List": all, "Name": form.Name, "Words": strings.Join(form.Words, "\n")}})
}

func (s *Server) handleSynonymForm(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	b := synonymBody{Name: r.PostFormValue("name")}
	for line := range strings.Lines(r.PostFormValue("words")) {
		if line = strings.TrimSpace(line); line != "" {
			b.Words = append(b.Words, line)
		}
	}
	if _, _, err := s.apiCall(w, r, p, b, s.handleSynonymDraft); err != nil {
		code, msg, internal := status(err)
		if internal {
			s.log.Error("synonym draft", "err", err)
		}
		s.renderSynonyms(w, r, code, msg, b)
		return
	}
	done(w, r, "/admin/synonyms", "synonym_drafted")
}
