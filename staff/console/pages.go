package console

import (
	"bytes"
	"cmp"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/staff"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// page is what every console page gets.
type page struct {
	Lang    string
	Title   string
	Nav     string
	Me      staff.Principal
	Flash   string // a message for the person: what just happened
	Secret  string // a token or link shown once
	Error   string
	Data    any
	Request *http.Request
}

func (p page) T(key string) string { return translate(p.Lang, key) }

// Can reports whether the person may do what a role may: pages hide what they may not do.
func (p page) Can(role string) bool { return p.Me.Role.Allows(staff.Role(role)) }

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(taipei).Format("2006-01-02 15:04")
	},
	"day": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(taipei).Format("2006-01-02")
	},
	"join": strings.Join,
	"pct": func(a, b int) string {
		if b == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f%%", 100*float64(a)/float64(b))
	},
	"score":    func(f float64) string { return fmt.Sprintf("%.3f", f) },
	"subtract": func(a, b int) int { return a - b },
	"inc":      func(i int) int { return i + 1 },
	"list":     func(v ...string) []string { return v },
}).ParseFS(templateFS, "templates/*.html"))

// lang picks the console's language: ?lang=, then the cookie, then Traditional Chinese.
func lang(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "zh-TW" {
		http.SetCookie(w, &http.Cookie{Name: "civicbot_lang", Value: l, Path: "/admin/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		return l
	}
	if c, err := r.Cookie("civicbot_lang"); err == nil && c.Value == "en" {
		return "en"
	}
	return "zh-TW"
}

// securityHeaders keeps a console page to itself: no script but its own, no
// framing, no referrer carrying a link's secret.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, p page) {
	p.Lang, p.Request = lang(w, r), r
	if p.Me.Actor == "" {
		p.Me = principal(r)
	}
	if p.Flash == "" {
		p.Flash = flashText(p.Lang, r.URL.Query().Get("done"))
	}
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, p); err != nil {
		s.log.Error("console page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// page wraps a console page: without a session it sends the person to sign in;
// without the role it says so.
func (s *Server) page(need staff.Role, h func(w http.ResponseWriter, r *http.Request, p staff.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		var p staff.Principal
		if err == nil {
			p, err = s.auth.Session(r.Context(), c.Value)
		}
		if err != nil {
			if !errors.Is(err, http.ErrNoCookie) && !errors.Is(err, staff.ErrUnauthenticated) {
				s.log.Error("console session", "err", err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			next := "/admin/"
			if r.Method == http.MethodGet {
				next = r.URL.RequestURI()
			}
			http.Redirect(w, r, "/admin/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		r = r.WithContext(contextWith(r, p))
		if !p.Can(need) {
			s.render(w, r, http.StatusForbidden, "error", page{Title: "forbidden", Error: fmt.Sprintf("%s: %s", translate(lang(w, r), "needs_role"), need)})
			return
		}
		h(w, r, p)
	}
}

// fail shows an error on a page: a client's mistake with its reason, a server's
// error logged and said briefly.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg, internal := status(err)
	if internal {
		s.log.Error("console page failed", "route", r.Pattern, "err", err)
	}
	s.render(w, r, code, "error", page{Title: "error", Error: msg})
}

// done sends the person back to a page with a note of what happened (POST, then
// redirect, then GET: a reload does not repeat the action).
func done(w http.ResponseWriter, r *http.Request, to, what string) {
	u, _ := url.Parse(to)
	q := u.Query()
	q.Set("done", what)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	data, err := fs.ReadFile(staticFS, "static/"+name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(data)
}

func (s *Server) handlePageNotFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "error", page{Title: "not found", Error: translate(lang(w, r), "not_found")})
}

// safeNext keeps a redirect after sign-in inside the console.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/admin/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/admin/"
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.secure || r.TLS != nil, MaxAge: int(staff.SessionMax / time.Second)})
}

func (s *Server) handleSignInPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", page{Title: "signin", Data: map[string]any{"Next": safeNext(r.URL.Query().Get("next")), "SSO": s.oidc != nil}})
}

func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	email, password, next := r.PostFormValue("email"), r.PostFormValue("password"), safeNext(r.PostFormValue("next"))
	secret, _, err := s.auth.SignIn(r.Context(), email, password, s.clientAddr(r))
	if err != nil {
		code, msg, internal := status(err)
		if internal {
			s.log.Error("sign-in", "err", err)
		}
		s.render(w, r, code, "signin", page{Title: "signin", Error: msg, Data: map[string]any{"Next": next, "Email": email, "SSO": s.oidc != nil}})
		return
	}
	s.setSession(w, r, secret)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) handleLinkPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "link", page{Title: "set_password", Data: map[string]string{"Token": r.URL.Query().Get("t")}})
}

func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	tok, pw, again := r.PostFormValue("t"), r.PostFormValue("password"), r.PostFormValue("password2")
	fail := func(code int, msg string) {
		s.render(w, r, code, "link", page{Title: "set_password", Error: msg, Data: map[string]string{"Token": tok}})
	}
	if pw != again {
		fail(http.StatusBadRequest, translate(lang(w, r), "passwords_differ"))
		return
	}
	secret, _, err := s.auth.UseLink(r.Context(), tok, pw, s.clientAddr(r))
	if err != nil {
		code, msg, internal := status(err)
		if internal {
			s.log.Error("sign-in link", "err", err)
		}
		fail(code, msg)
		return
	}
	s.setSession(w, r, secret)
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	if err := s.auth.SignOut(r.Context(), p, s.clientAddr(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/admin/signin", http.StatusSeeOther)
}

// overview is what the overview page shows.
type overview struct {
	Days       []dayBar
	Max        int
	Total      int
	NoAnswer   int
	Up, Down   int
	ByChannel  []kv
	ByMode     []kv
	Unanswered []staff.ReviewItem
	Expired    []conversation.Curated
}

type dayBar struct {
	Day      string
	N        int
	NoAnswer int
	Height   int // of the bar, in the chart's units (0-100)
	NoHeight int
	X        int
}

type kv struct {
	Key string
	N   int
}

func sortedKV(m map[string]int) []kv {
	var out []kv
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, kv{k, m[k]})
	}
	slices.SortStableFunc(out, func(a, b kv) int { return cmp.Compare(b.N, a.N) })
	return out
}

func (s *Server) handleOverview(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	now := s.now().In(taipei)
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, taipei).AddDate(0, 0, -29)
	stats, err := s.data.TurnStats(r.Context(), start)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var o overview
	perDay := map[string]*dayBar{}
	for i := range 30 {
		d := start.AddDate(0, 0, i).Format("2006-01-02")
		o.Days = append(o.Days, dayBar{Day: d, X: i * 10})
		perDay[d] = &o.Days[i]
	}
	channels, modes := map[string]int{}, map[string]int{}
	for _, c := range stats {
		b := perDay[c.Day]
		if b == nil {
			continue
		}
		b.N += c.N
		o.Total += c.N
		channels[c.Channel] += c.N
		modes[c.Mode] += c.N
		if c.Mode == string(conversation.ModeNoAnswer) {
			b.NoAnswer += c.N
			o.NoAnswer += c.N
		}
		switch c.Rating {
		case conversation.RatingUp:
			o.Up += c.N
		case conversation.RatingDown:
			o.Down += c.N
		}
	}
	for _, d := range o.Days {
		o.Max = max(o.Max, d.N)
	}
	for i := range o.Days {
		if o.Max > 0 {
			o.Days[i].Height = 100 * o.Days[i].N / o.Max
			o.Days[i].NoHeight = 100 * o.Days[i].NoAnswer / o.Max
		}
	}
	o.ByChannel, o.ByMode = sortedKV(channels), sortedKV(modes)
	items, err := s.reviewItems(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o.Unanswered = items[:min(len(items), 10)]
	curated, err := s.data.CuratedAnswers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, c := range curated {
		if c.Status == conversation.CuratedApproved && !c.ExpiresAt.IsZero() && !s.now().Before(c.ExpiresAt) {
			o.Expired = append(o.Expired, c)
		}
	}
	s.render(w, r, http.StatusOK, "overview", page{Title: "overview", Nav: "overview", Data: o})
}

func (s *Server) handleConversationsPage(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	f, err := turnFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, err := s.data.Conversations(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := ""
	if len(rows) == f.Limit {
		q := r.URL.Query()
		q.Set("cursor", cursorOf(rows[len(rows)-1]))
		next = "/admin/conversations?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "conversations", page{Title: "conversations", Nav: "conversations",
		Data: map[string]any{"Rows": rows, "Next": next, "Q": r.URL.Query(), "Modes": modeNames, "Export": exportQuery(r)}})
}

func (s *Server) handleReviewPage(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	items, err := s.reviewItems(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Proposals to suppress or restore documents wait on the sources page; the queue
	// says how many there are.
	pending, err := s.data.Proposals(r.Context(), staff.ProposalPending)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "review", page{Title: "review", Nav: "review", Data: map[string]any{"Items": items, "Proposals": len(pending)}})
}

func (s *Server) handleDismissForm(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	body := dismissBody{Reason: r.PostFormValue("reason")}
	if _, _, err := s.apiCall(w, r, p, body, s.handleDismiss); err != nil {
		s.fail(w, r, err)
		return
	}
	done(w, r, "/admin/review", "dismissed")
}

func (s *Server) handleCuratedPage(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	all, err := s.data.CuratedAnswers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	order := map[string]int{conversation.CuratedDraft: 0, conversation.CuratedApproved: 1, conversation.CuratedRetired: 2}
	slices.SortStableFunc(all, func(a, b conversation.Curated) int { return cmp.Compare(order[a.Status], order[b.Status]) })
	s.render(w, r, http.StatusOK, "curated", page{Title: "curated", Nav: "curated", Data: map[string]any{"List": all, "Now": s.now()}})
}

// draftForm is the curated-answer form, pre-filled from a review item.
type draftForm struct {
	ReviewID  string
	Questions string
	Answer    string
	Sources   string // dataset/key, one a line
	Expires   string
	Found     []candidate
}

func (s *Server) handleCuratedNewPage(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var f draftForm
	if id := r.URL.Query().Get("review"); id != "" {
		it, err := s.reviewGroup(r, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.ReviewID, f.Questions = it.ID, strings.Join(it.Questions, "\n")
		// What search finds for the question, to cite.
		res, err := s.preview(r, previewBody{Message: it.Question})
		if err == nil {
			f.Found = res.Candidates
		}
	}
	s.render(w, r, http.StatusOK, "curated_new", page{Title: "curated_new", Nav: "curated", Data: f})
}

func (s *Server) handleCuratedForm(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	b := curatedBody{Answer: r.PostFormValue("answer"), ExpiresAt: r.PostFormValue("expires_at"), ReviewID: r.PostFormValue("review_id")}
	b.Questions = strings.Split(r.PostFormValue("questions"), "\n")
	for line := range strings.Lines(r.PostFormValue("sources")) {
		ds, key, ok := strings.Cut(strings.TrimSpace(line), "/")
		if !ok {
			continue
		}
		b.Sources = append(b.Sources, struct {
			Dataset string `json:"dataset"`
			Key     string `json:"key"`
		}{strings.TrimSpace(ds), strings.TrimSpace(key)})
	}
	if _, _, err := s.apiCall(w, r, p, b, s.handleCuratedDraft); err != nil {
		code, msg, internal := status(err)
		if internal {
			s.log.Error("curated draft", "err", err)
		}
		f := draftForm{ReviewID: b.ReviewID, Questions: r.PostFormValue("questions"), Answer: b.Answer, Sources: r.PostFormValue("sources"), Expires: b.ExpiresAt}
		s.render(w, r, code, "curated_new", page{Title: "curated_new", Nav: "curated", Error: msg, Data: f})
		return
	}
	done(w, r, "/admin/curated", "drafted")
}

// form serves a console form whose staff API handler takes no body: it runs h and
// returns to the page to with the flash message of that name.
func (s *Server) form(h func(http.ResponseWriter, *http.Request, staff.Principal) (int, any, error), to, flash string) func(http.ResponseWriter, *http.Request, staff.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p staff.Principal) {
		if _, _, err := h(w, r, p); err != nil {
			s.fail(w, r, err)
			return
		}
		done(w, r, to, flash)
	}
}

// apiCall runs an API handler for a form: the form and the API share their checks.
// The body is passed as the decoded value.
func (s *Server) apiCall(w http.ResponseWriter, r *http.Request, p staff.Principal, body any, h func(http.ResponseWriter, *http.Request, staff.Principal) (int, any, error)) (int, any, error) {
	data, err := jsonBody(body)
	if err != nil {
		return 0, nil, err
	}
	r2 := r.Clone(r.Context())
	r2.Body = data
	return h(w, r2, p)
}

func (s *Server) handleTryPage(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var res *previewResult
	msg := ""
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		msg = r.PostFormValue("message")
		out, err := s.preview(r, previewBody{Message: msg, Locale: r.PostFormValue("locale")})
		if err != nil {
			code, m, internal := status(err)
			if internal {
				s.log.Error("try", "err", err)
			}
			s.render(w, r, code, "try", page{Title: "try", Nav: "try", Error: m, Data: map[string]any{"Message": msg}})
			return
		}
		res = &out
	}
	s.render(w, r, http.StatusOK, "try", page{Title: "try", Nav: "try", Data: map[string]any{"Message": msg, "Result": res}})
}

func (s *Server) handleAuditPage(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	f, err := auditFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entries, err := s.auth.Store().Audit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := ""
	if len(entries) == f.Limit {
		q := r.URL.Query()
		q.Set("cursor", fmt.Sprint(entries[len(entries)-1].ID))
		next = "/admin/audit?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "audit", page{Title: "audit", Nav: "audit", Data: map[string]any{"Entries": entries, "Next": next, "Q": r.URL.Query()}})
}

func (s *Server) staffPage(w http.ResponseWriter, r *http.Request, code int, pg page) {
	accs, err := s.auth.Store().Accounts(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	toks, err := s.auth.Store().Credentials(r.Context(), staff.KindToken)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg.Title, pg.Nav, pg.Data = "staff", "staff", map[string]any{"Accounts": accs, "Tokens": toks, "Roles": staff.Roles, "Now": s.now()}
	s.render(w, r, code, "staff", pg)
}

func (s *Server) handleStaffPage(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	s.staffPage(w, r, http.StatusOK, page{})
}

func (s *Server) handleStaffForm(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	_, v, err := s.apiCall(w, r, p, inviteBody{Email: r.PostFormValue("email"), Role: r.PostFormValue("role")}, s.handleStaffAdd)
	if err != nil {
		code, msg, _ := status(err)
		s.staffPage(w, r, code, page{Error: msg})
		return
	}
	// The link is shown once, on this response, and never stored.
	s.staffPage(w, r, http.StatusOK, page{Secret: v.(map[string]any)["link"].(string), Flash: translate(lang(w, r), "link_once")})
}

func (s *Server) handleTokenForm(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	days := 0
	fmt.Sscan(r.PostFormValue("days"), &days)
	_, v, err := s.apiCall(w, r, p, tokenBody{Name: r.PostFormValue("name"), Role: r.PostFormValue("role"), ExpiresInDays: days}, s.handleTokenCreate)
	if err != nil {
		code, msg, _ := status(err)
		s.staffPage(w, r, code, page{Error: msg})
		return
	}
	s.staffPage(w, r, http.StatusOK, page{Secret: v.(map[string]any)["token"].(string), Flash: translate(lang(w, r), "token_once")})
}

// exportQuery is the conversations page's filter, for its export links.
func exportQuery(r *http.Request) template.URL {
	q := url.Values{}
	for _, k := range []string{"mode", "rating", "channel", "from", "to", "q"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return template.URL(q.Encode())
}
