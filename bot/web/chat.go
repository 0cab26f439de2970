package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
)

// chatRequest is the body of POST /api/v1/chat.
type chatRequest struct {
	SessionID string `json:"session_id"`
	Message   string `json:"message"`
	Locale    string `json:"locale"`
}

// chatResponse is the JSON answer: the ask --json object plus message_id.
type chatResponse struct {
	Answer    string                `json:"answer"`
	Mode      conversation.Mode     `json:"mode"`
	Sources   []conversation.Source `json:"sources"`
	MessageID string                `json:"message_id"`
	// Suggestions: see bot.Answer.
	Suggestions []bot.Suggestion `json:"suggestions,omitempty"`
}

// sessionPrefix keeps web sessions apart from other channels' (LINE's are hashed user
// IDs): a visitor cannot name another channel's conversation.
const sessionPrefix = "web:"

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	s.cors(w, r)
	var in chatRequest
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := s.chatRequest(in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.allow(r, in.SessionID); err != nil {
		s.writeError(w, r, err)
		return
	}
	start := time.Now()
	if wantsStream(r) {
		s.streamChat(w, r, req, start)
		return
	}
	a, err := s.engine.Ask(r.Context(), req, nil)
	if err != nil {
		s.writeError(w, r, &localeError{err, req.Locale == "en"})
		return
	}
	s.answered(r.Context(), req.SessionID, a, start, false)
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeTimeout))
	s.writeJSON(w, http.StatusOK, chatResponse{Answer: a.Text, Mode: a.Mode, Sources: nonNil(a.Sources), MessageID: a.MessageID, Suggestions: a.Suggestions})
}

// chatRequest checks a chat body and turns it into the engine's request.
func (s *Server) chatRequest(in chatRequest) (bot.Request, error) {
	if strings.TrimSpace(in.Message) == "" {
		return bot.Request{}, badRequest("message: missing or empty")
	}
	if n := utf8.RuneCountInString(in.Message); n > s.maxRunes {
		return bot.Request{}, badRequest("message: %d characters, at most %d are accepted", n, s.maxRunes)
	}
	if err := checkID("session_id", in.SessionID, MaxSessionID); err != nil {
		return bot.Request{}, err
	}
	req := bot.Request{Message: in.Message, Locale: locale(in.Locale), Channel: "web"}
	if in.SessionID != "" {
		req.SessionID = sessionPrefix + in.SessionID
	}
	return req, nil
}

// checkID accepts an optional identifier of at most max characters of [A-Za-z0-9._-].
func checkID(field, id string, max int) error {
	if len(id) > max {
		return badRequest("%s: longer than %d characters", field, max)
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return badRequest("%s: only letters, digits, '.', '_' and '-' are allowed", field)
		}
	}
	return nil
}

// locale maps a client's locale to the engine's: English, Chinese, or "" to follow
// the question's language (a browser may send any tag).
func locale(l string) string {
	switch l = strings.ToLower(strings.TrimSpace(l)); {
	case l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_"):
		return "en"
	case l == "zh" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_"):
		return "zh-TW"
	}
	return ""
}

func wantsStream(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(v), "text/event-stream") {
			return true
		}
	}
	return false
}

// decode reads a JSON object body into v: within the size cap, one object and nothing
// after it. Unknown fields are allowed, so that older servers take newer widgets.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	// A browser sends text/plain or a form without asking first (no CORS preflight):
	// requiring JSON keeps other sites' pages from posting here at all.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &apiError{http.StatusUnsupportedMediaType, "Content-Type: want application/json"}
	}
	if r.ContentLength > s.maxBody {
		return &http.MaxBytesError{Limit: s.maxBody}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("malformed JSON: data after the object")
	}
	return nil
}

func jsonError(err error) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		ue  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, io.EOF):
		return badRequest("malformed JSON: the body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON: the body ends inside the object")
	case errors.As(err, &se):
		return badRequest("malformed JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &ue):
		if ue.Field == "" {
			return badRequest("malformed JSON: want an object, not %s", ue.Value)
		}
		return badRequest("malformed JSON: %s: want a %s, not %s", ue.Field, ue.Type, ue.Value)
	}
	return badRequest("malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// answered records an answer: its mode in the metrics, and a log line without the
// message or the session ID.
// ctx carries the request's trace, whose id the log line then carries too.
func (s *Server) answered(ctx context.Context, session string, a bot.Answer, start time.Time, stream bool) {
	s.metrics.answers.WithLabelValues("web", string(a.Mode)).Inc()
	s.log.InfoContext(ctx, "chat", "mode", a.Mode, "ms", time.Since(start).Milliseconds(), "stream", stream,
		"sources", len(a.Sources), "session", sessionTag(session), "redacted", len(a.Redacted))
}

// sessionTag is a short hash of a session ID for logs: lines of one conversation can
// be told together, the ID cannot be read back.
func sessionTag(id string) string {
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:4])
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
