package web

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicbot/civicbot/bot/redact"
	"github.com/civicbot/civicbot/conversation"
)

// feedbackRequest is the body of POST /api/v1/feedback.
type feedbackRequest struct {
	MessageID string `json:"message_id"`
	Rating    string `json:"rating"`
	Comment   string `json:"comment"`
}

func (s *Server) handleFeedback(w http.ResponseWriter, r *http.Request) {
	s.cors(w, r)
	var in feedbackRequest
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := feedback(in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.allow(r, ""); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.SaveFeedback(r.Context(), f); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.metrics.feedback.WithLabelValues(f.Rating).Inc()
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// feedback checks a feedback body; the comment is redacted before it is kept.
func feedback(in feedbackRequest) (conversation.Feedback, error) {
	if in.MessageID == "" {
		return conversation.Feedback{}, badRequest("message_id: missing")
	}
	if err := checkID("message_id", in.MessageID, 128); err != nil {
		return conversation.Feedback{}, err
	}
	if in.Rating != conversation.RatingUp && in.Rating != conversation.RatingDown {
		return conversation.Feedback{}, badRequest(`rating: want "up" or "down"`)
	}
	if n := utf8.RuneCountInString(in.Comment); n > MaxCommentRunes {
		return conversation.Feedback{}, badRequest("comment: %d characters, at most %d are accepted", n, MaxCommentRunes)
	}
	comment, _ := redact.Redact(strings.TrimSpace(in.Comment))
	return conversation.Feedback{MessageID: in.MessageID, Rating: in.Rating, Comment: comment, CreatedAt: time.Now()}, nil
}
