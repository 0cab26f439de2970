// Package console serves agency staff: the console pages under /admin/ and the staff
// API under /api/v1/admin/. Every console action is also an API call; both check the
// caller's role, and every change is written to the audit log.
//
// Citizens' questions, answers, document titles and comments are hostile text: pages
// are rendered by html/template (which escapes them), served with a Content Security
// Policy that allows no inline script, and the API answers JSON only.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/staff"
)

// Data is what the console reads and changes besides staff records.
type Data interface {
	staff.Conversations
	CuratedAnswers(ctx context.Context) ([]conversation.Curated, error)
	PutCurated(ctx context.Context, cs []conversation.Curated) error
	// The staff's synonym groups: drafted, approved and retired here, put into use by
	// retrieval.StaffSynonyms.
	retrieval.SynonymStore
	SetStatus(ctx context.Context, dataset, key string, status corpus.Status) error
	Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error)
	Get(ctx context.Context, dataset, key string) (retrieval.Hit, error)
	// TurnStats counts the turns made since a time, by day (Taipei), channel, mode
	// and rating.
	TurnStats(ctx context.Context, since time.Time) ([]staff.DayCount, error)
	staff.Sources
	// Flagged lists the documents held at ingest; Release lets one be used.
	Flagged(ctx context.Context) ([]ingest.Flag, error)
	Release(ctx context.Context, dataset, key string) (ingest.Flag, error)
	// Proposals keeps the suppressions and restorations editors propose and
	// approvers decide.
	staff.Proposals
}

// Engine answers a question as a citizen would get it, without keeping the turn;
// *bot.Engine is one.
type Engine interface {
	Preview(ctx context.Context, r bot.Request) (bot.Answer, bot.Trace, error)
	ReloadCurated()
}

// Config configures a Server.
type Config struct {
	Auth   *staff.Auth
	Data   Data
	Engine Engine
	Log    *slog.Logger
	// TrustProxy takes the client's address from X-Forwarded-For (behind a proxy).
	TrustProxy bool
	// SecureCookies marks the session cookie Secure; set behind TLS. Requests that
	// arrive over TLS get Secure cookies anyway.
	SecureCookies bool
	Now           func() time.Time
	// OIDC, when set, offers single sign-on besides local accounts.
	OIDC *OIDC
	// Backup, when set, serves a consistent copy of the store to admins
	// (GET /api/v1/admin/backup); the embedded store has one, PostgreSQL has pg_dump.
	Backup Backuper
}

// Backuper writes a consistent copy of the store while it serves;
// *memstore.Store is one.
type Backuper interface {
	Backup(ctx context.Context, w io.Writer) (int64, error)
}

// Server is the staff console and API.
type Server struct {
	auth    *staff.Auth
	data    Data
	engine  Engine
	log     *slog.Logger
	proxy   bool
	secure  bool
	now     func() time.Time
	oidc    *OIDC
	backup  Backuper
	review  *reviewQueue
	handler http.Handler
}

// New returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Auth == nil || cfg.Data == nil || cfg.Engine == nil {
		return nil, errors.New("console: Auth, Data and Engine are required")
	}
	s := &Server{auth: cfg.Auth, data: cfg.Data, engine: cfg.Engine, log: cfg.Log, proxy: cfg.TrustProxy,
		secure: cfg.SecureCookies, now: cfg.Now, oidc: cfg.OIDC, backup: cfg.Backup}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.review = newReviewQueue(s.data, s.now)
	mux := http.NewServeMux()
	s.routes(mux)
	// Cross-origin POSTs (a page elsewhere submitting a form with the staff member's
	// cookie) are refused; API clients with a bearer token send no Origin.
	cop := http.NewCrossOriginProtection()
	s.handler = cop.Handler(mux)
	return s, nil
}

// ServeHTTP serves /admin/ and /api/v1/admin/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Mount adds the console's routes to a mux.
func (s *Server) Mount(mux *http.ServeMux) {
	mux.Handle("/admin/", s)
	mux.Handle("/api/v1/admin/", s)
}

const sessionCookie = "civicbot_staff"

// principalKey carries the caller in a request's context.
type principalKey struct{}

func principal(r *http.Request) staff.Principal {
	p, _ := r.Context().Value(principalKey{}).(staff.Principal)
	return p
}

// clientAddr is the address sign-ins are throttled and audited by.
func (s *Server) clientAddr(r *http.Request) string {
	if s.proxy {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			first, _, _ := strings.Cut(f, ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(first)); err == nil {
				return a.String()
			}
		}
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().String()
	}
	return r.RemoteAddr
}

// authenticate finds the caller: a bearer token (API clients) or the session cookie.
func (s *Server) authenticate(r *http.Request) (staff.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return staff.Principal{}, staff.ErrUnauthenticated
		}
		return s.auth.Token(r.Context(), strings.TrimSpace(tok))
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return staff.Principal{}, staff.ErrUnauthenticated
	}
	return s.auth.Session(r.Context(), c.Value)
}

// api wraps a staff API handler: the caller must be signed in (401) and hold the role
// (403); the handler's result is written as JSON.
func (s *Server) api(need staff.Role, h func(w http.ResponseWriter, r *http.Request, p staff.Principal) (int, any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		p, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !p.Can(need) {
			s.writeError(w, r, fmt.Errorf("%w: %s needs the %s role", staff.ErrForbidden, r.Pattern, need))
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		code, v, err := h(w, r, p)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, code, v)
	}
}

// apiError is a client's mistake, with its status.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// status maps an error to what the client gets; internal errors are logged.
func status(err error) (int, string, bool) {
	var ae *apiError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.msg, false
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over %d bytes", mbe.Limit), false
	case errors.Is(err, staff.ErrUnauthenticated):
		return http.StatusUnauthorized, "sign in, or send a valid API token as Authorization: Bearer", false
	case errors.Is(err, staff.ErrBadCredentials):
		return http.StatusUnauthorized, err.Error(), false
	case errors.Is(err, staff.ErrThrottled):
		return http.StatusTooManyRequests, err.Error(), false
	case errors.Is(err, staff.ErrForbidden), errors.Is(err, staff.ErrFourEyes):
		return http.StatusForbidden, err.Error(), false
	case errors.Is(err, staff.ErrNotFound), errors.Is(err, retrieval.ErrNotFound), errors.Is(err, conversation.ErrNotFound):
		return http.StatusNotFound, "not found", false
	case errors.Is(err, staff.ErrExists):
		return http.StatusConflict, "already exists", false
	case errors.Is(err, staff.ErrConflict), errors.Is(err, staff.ErrDecided):
		return http.StatusConflict, err.Error(), false
	case errors.Is(err, staff.ErrBadPassword):
		return http.StatusBadRequest, err.Error(), false
	case errors.Is(err, bot.ErrEmptyMessage):
		return http.StatusBadRequest, "message: there is no text to answer", false
	}
	return http.StatusInternalServerError, "internal error", true
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg, internal := status(err)
	if internal {
		s.log.Error("console request failed", "route", r.Pattern, "err", err)
	}
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="civicbot staff"`)
	}
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// maxBody caps staff requests: a curated answer with its variants fits easily.
const maxBody = 256 << 10

// decode reads a JSON body into v, refusing unknown fields.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("the body is not the JSON this call takes: %v", err)
	}
	return nil
}
