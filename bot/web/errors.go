package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
)

// apiError is a client's mistake, with the status and the message it gets.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// limitError is a request over a rate limit.
type limitError struct {
	scope      string // "session" or "ip"
	retryAfter time.Duration
}

func (e *limitError) Error() string {
	return fmt.Sprintf("too many requests from this %s", e.scope)
}

// localeError carries the language of the request an error answers, for the message.
type localeError struct {
	error
	english bool
}

func (e *localeError) Unwrap() error { return e.error }

// retryUnavailable is the Retry-After of a 503: a stuck store is usually back within
// seconds, or another replica answers.
const retryUnavailable = 5

// errorBody is the JSON of every error response.
type errorBody struct {
	Error string `json:"error"`
}

// status maps an error to the status and the message a client gets; internal says
// the error is the server's and must be logged.
func status(err error) (code int, msg string, internal bool) {
	var (
		ae  *apiError
		le  *limitError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.msg, false
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over %d bytes", mbe.Limit), false
	case errors.As(err, &le):
		return http.StatusTooManyRequests, fmt.Sprintf("too many requests: try again in %d seconds", retrySeconds(le.retryAfter)), false
	case errors.Is(err, bot.ErrEmptyMessage):
		return http.StatusBadRequest, "message: there is no text to answer", false
	case errors.Is(err, conversation.ErrUnknownMessage):
		return http.StatusNotFound, "unknown message_id", false
	case errors.Is(err, conversation.ErrCannotWrite):
		return http.StatusServiceUnavailable, "this cannot be saved right now: the database does not accept writes; please try again later", true
	case errors.Is(err, bot.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		// The citizen's way out when the service is stuck: try again, or call 1999.
		if le := (*localeError)(nil); errors.As(err, &le) && le.english {
			return http.StatusServiceUnavailable, streamFailedEn, true
		}
		return http.StatusServiceUnavailable, streamFailed, true
	}
	return http.StatusInternalServerError, "internal error", true
}

// writeError writes err as a JSON error with its status, and logs the server's own
// errors. A request whose client went away gets nothing.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		s.log.Debug("client went away", "route", r.Pattern)
		return
	}
	code, msg, internal := status(err)
	if internal {
		s.log.Error("request failed", "route", r.Pattern, "err", err)
	}
	if le := (*limitError)(nil); errors.As(err, &le) {
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(le.retryAfter)))
		s.metrics.limited.WithLabelValues(le.scope).Inc()
	}
	if code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(retryUnavailable))
	}
	s.writeJSON(w, code, errorBody{msg})
}

func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// writeJSON writes v as the JSON body of a response that no cache keeps.
func (s *Server) writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := marshal(v)
	if err != nil {
		s.log.Error("encode response", "err", err)
		code, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// marshal is json.Marshal without escaping <, > and &: answers are read by scripts,
// and quoted text stays readable.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
