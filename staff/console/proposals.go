package console

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/civicbot/civicbot/staff"
)

// Suppressing and restoring documents takes four eyes: an editor proposes it with a
// reason, and an approver other than the proposer approves (it takes effect at once)
// or rejects it. Approvers keep the direct routes (documents/suppress and
// documents/restore) for urgent harm: a source that must leave answers now does not
// wait for a second person. Those are audited as direct ("direct": true), and every
// step of a proposal is audited too.

type proposalBody struct {
	Dataset string `json:"dataset"`
	Key     string `json:"key"`
	Action  string `json:"action"`
	Reason  string `json:"reason"`
}

// reasonOK trims a reason and checks it is given and not too long.
func reasonOK(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return "", badRequest("reason: say why, in at most 500 characters")
	}
	return reason, nil
}

func (s *Server) handlePropose(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	var b proposalBody
	if err := decode(w, r, &b); err != nil {
		return 0, nil, err
	}
	if b.Dataset == "" || b.Key == "" {
		return 0, nil, badRequest("dataset and key: name the document")
	}
	if b.Action != staff.ActionSuppress && b.Action != staff.ActionRestore {
		return 0, nil, badRequest("action %q: want suppress or restore", b.Action)
	}
	reason, err := reasonOK(b.Reason)
	if err != nil {
		return 0, nil, err
	}
	prop, err := s.data.Propose(r.Context(), staff.Proposal{ID: staff.NewID(), Dataset: b.Dataset, Key: b.Key, Action: b.Action,
		Reason: reason, ProposedBy: p.Actor, ProposedAt: s.now()})
	if err != nil {
		return 0, nil, err
	}
	if err := s.auth.Audit(r.Context(), p.Actor, "documents.propose", prop.Dataset+"/"+prop.Key, s.clientAddr(r), nil, prop); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]string{"id": prop.ID, "status": prop.Status, "action": prop.Action}, nil
}

func (s *Server) handleProposals(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	st := r.URL.Query().Get("status")
	if err := oneOf("status", st, staff.ProposalPending, staff.ProposalApproved, staff.ProposalRejected); err != nil {
		return 0, nil, err
	}
	props, err := s.data.Proposals(r.Context(), st)
	if err != nil {
		return 0, nil, err
	}
	if props == nil {
		props = []staff.Proposal{}
	}
	return http.StatusOK, list[staff.Proposal]{Items: props}, nil
}

type decisionBody struct {
	Reason string `json:"reason"`
}

// decide approves or rejects a proposal. A rejection says why; an approval may.
func (s *Server) decide(approve bool) func(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
	return func(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error) {
		var b decisionBody
		if err := decodeOptional(w, r, &b); err != nil {
			return 0, nil, err
		}
		note := strings.TrimSpace(b.Reason)
		if !approve || note != "" {
			var err error
			if note, err = reasonOK(note); err != nil {
				return 0, nil, err
			}
		}
		action := "documents.reject"
		if approve {
			action = "documents.approve"
		}
		d, err := s.data.Decide(r.Context(), r.PathValue("id"), staff.Decision{Approve: approve, By: p.Actor, Note: note, At: s.now()})
		if err != nil {
			return 0, nil, err
		}
		if err := s.auth.Audit(r.Context(), p.Actor, action, d.Dataset+"/"+d.Key, s.clientAddr(r), nil, d); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]string{"id": d.ID, "status": d.Status, "action": d.Action, "dataset": d.Dataset, "key": d.Key}, nil
	}
}

// decodeOptional reads a JSON body into v, as decode does, but an empty body is no
// error.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var mbe *http.MaxBytesError
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return nil
	case errors.As(err, &mbe):
		return err
	}
	return badRequest("the body is not the JSON this call takes: %v", err)
}

// back is where a form returns to: the review queue when it came from there, else
// the sources page (with its search).
func back(r *http.Request) string {
	if r.PostFormValue("from") == "review" {
		return "/admin/review"
	}
	to := "/admin/sources"
	if q := r.PostFormValue("q"); q != "" {
		to += "?q=" + urlQueryEscape(q)
	}
	return to
}

func (s *Server) handleProposeForm(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	body := proposalBody{Dataset: r.PostFormValue("dataset"), Key: r.PostFormValue("key"), Action: r.PostFormValue("action"), Reason: r.PostFormValue("reason")}
	if _, _, err := s.apiCall(w, r, p, body, s.handlePropose); err != nil {
		s.fail(w, r, err)
		return
	}
	done(w, r, back(r), "proposed")
}

func (s *Server) handleDecideForm(approve bool) func(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	h := s.decide(approve)
	return func(w http.ResponseWriter, r *http.Request, p staff.Principal) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		body := decisionBody{Reason: r.PostFormValue("reason")}
		_, out, err := s.apiCall(w, r, p, body, h)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		done(w, r, "/admin/sources", "decided_"+out.(map[string]string)["status"])
	}
}
