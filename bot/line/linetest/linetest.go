// Package linetest is a fake LINE Messaging API for tests. It speaks the wire format
// of the reply, push and loading-animation endpoints, issues reply tokens (which it
// can expire), checks every request against the API's limits, records every call for
// assertions, and builds and signs webhook bodies as the LINE Platform does.
//
// A request that breaks a limit gets LINE's 400 answer and is recorded as a
// violation; the test that created the server fails at its end if there was any.
package linetest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Defaults of Options.
const (
	DefaultToken       = "test-channel-access-token"
	DefaultSecret      = "test-channel-secret"
	DefaultTokenTTL    = time.Minute
	DefaultRetryWindow = 24 * time.Hour
)

// Call kinds.
const (
	Reply   = "reply"
	Push    = "push"
	Loading = "loading"
)

// Options configure a Server; the zero value is LINE's behaviour with test
// credentials.
type Options struct {
	Token  string // channel access token the API accepts (DefaultToken)
	Secret string // channel secret webhook bodies are signed with (DefaultSecret)
	// TokenTTL is how long a reply token stays valid (DefaultTokenTTL).
	TokenTTL time.Duration
	// RetryWindow is how long a push's X-Line-Retry-Key is remembered (DefaultRetryWindow).
	RetryWindow time.Duration
	// Latency delays every answer of the API, as a remote server would.
	Latency time.Duration
	// AllowViolations keeps the test from failing on invalid requests: for tests
	// that send invalid requests on purpose.
	AllowViolations bool
}

// Server is the fake API. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API's base URL, for LINE_API_BASE_URL.
	URL    string
	Token  string
	Secret string

	opt Options
	srv *httptest.Server

	mu         sync.Mutex
	calls      []Call
	tokens     map[string]*replyToken
	retryKeys  map[string]time.Time
	violations []string
	failures   map[string][]failure
	outages    []outage
	seq        int
}

// outage makes every call of some kinds fail until a time.
type outage struct {
	kinds      map[string]bool
	status     int
	retryAfter int // seconds; 0: no Retry-After header
	until      time.Time
}

type replyToken struct {
	chat    string // the chat of the event it was issued for, when known
	issued  time.Time
	used    bool
	expired bool
}

type failure struct {
	status int
	body   string
}

// Call is one request the API received.
type Call struct {
	Kind   string // Reply, Push, Loading; "" for an unknown path
	Path   string
	Status int // the status the API answered with
	// Reply: the token; Push: the recipient and the retry key; Loading: the chat.
	ReplyToken     string
	To             string
	RetryKey       string
	ChatID         string
	LoadingSeconds int
	Messages       []Message
	Body           []byte
	// Violation says which limit the request broke; "" for a valid request.
	Violation string
	At        time.Time
}

// Accepted says whether the API took the request (a 2xx answer): a reply or push
// whose messages reach the user.
func (c Call) Accepted() bool { return c.Status/100 == 2 }

// Texts returns the texts of the call's text messages.
func (c Call) Texts() []string {
	var out []string
	for _, m := range c.Messages {
		if m.Type() == "text" {
			out = append(out, m.Text())
		}
	}
	return out
}

// Text returns the texts of the call's text messages joined by newlines.
func (c Call) Text() string { return strings.Join(c.Texts(), "\n") }

// New starts a fake API; it stops, and reports the violations, when the test ends.
func New(tb testing.TB, opt Options) *Server {
	tb.Helper()
	if opt.Token == "" {
		opt.Token = DefaultToken
	}
	if opt.Secret == "" {
		opt.Secret = DefaultSecret
	}
	if opt.TokenTTL <= 0 {
		opt.TokenTTL = DefaultTokenTTL
	}
	if opt.RetryWindow <= 0 {
		opt.RetryWindow = DefaultRetryWindow
	}
	s := &Server{
		Token:     opt.Token,
		Secret:    opt.Secret,
		opt:       opt,
		tokens:    make(map[string]*replyToken),
		retryKeys: make(map[string]time.Time),
		failures:  make(map[string][]failure),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	tb.Cleanup(func() {
		s.srv.Close()
		if opt.AllowViolations {
			return
		}
		for _, v := range s.Violations() {
			tb.Errorf("linetest: invalid request to the LINE API: %s", v)
		}
	})
	return s
}

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// IssueToken returns a new reply token, valid for the TokenTTL.
func (s *Server) IssueToken() string {
	tok := randomHex(16)
	s.mu.Lock()
	s.tokens[tok] = &replyToken{issued: time.Now()}
	s.mu.Unlock()
	return tok
}

// issueFor issues a reply token for an event from a source.
func (s *Server) issueFor(src *Source) string {
	tok := s.IssueToken()
	chat := ""
	if src != nil {
		switch {
		case src.GroupID != "":
			chat = src.GroupID
		case src.RoomID != "":
			chat = src.RoomID
		default:
			chat = src.UserID
		}
	}
	s.mu.Lock()
	s.tokens[tok].chat = chat
	s.mu.Unlock()
	return tok
}

// ExpireToken makes a reply token invalid, as time would.
func (s *Server) ExpireToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[tok]; ok {
		t.expired = true
	}
}

// Fail makes the next n calls of a kind fail with a status and a body (LINE's error
// JSON, e.g. {"message":"..."}).
func (s *Server) Fail(kind string, status int, body string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[kind] = append(s.failures[kind], failure{status, body})
	}
}

// Outage makes every reply and push (or the kinds given) fail with status for d from
// now, as an API that is down (500) or limiting the channel (429, with a Retry-After
// of retryAfter seconds when it is not 0). Valid requests are still checked and
// recorded.
func (s *Server) Outage(status int, d time.Duration, retryAfter int, kinds ...string) {
	if len(kinds) == 0 {
		kinds = []string{Reply, Push}
	}
	o := outage{kinds: map[string]bool{}, status: status, retryAfter: retryAfter, until: time.Now().Add(d)}
	for _, k := range kinds {
		o.kinds[k] = true
	}
	s.mu.Lock()
	s.outages = append(s.outages, o)
	s.mu.Unlock()
}

// down returns the failure of an outage under way for a kind of call.
func (s *Server) down(kind string) (int, map[string]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for _, o := range s.outages {
		if o.kinds[kind] && now.Before(o.until) {
			var h map[string]string
			if o.retryAfter > 0 {
				h = map[string]string{"Retry-After": strconv.Itoa(o.retryAfter)}
			}
			return o.status, h, true
		}
	}
	return 0, nil, false
}

// outageBody is LINE's error body for a status.
func outageBody(status int) []byte {
	if status == http.StatusTooManyRequests {
		return errorBody("You have reached your monthly limit.")
	}
	return errorBody("An error occurred in the backend")
}

// Calls returns every call so far, in order of arrival.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsOf returns the calls of one kind.
func (s *Server) CallsOf(kind string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// Delivered counts the replies and pushes the API accepted: the answers users got.
// A push refused as a duplicate (409) is not counted.
func (s *Server) Delivered() int {
	n := 0
	for _, c := range s.Calls() {
		if (c.Kind == Reply || c.Kind == Push) && c.Accepted() {
			n++
		}
	}
	return n
}

// Answers counts the accepted replies and pushes by chat: for a test whose events
// each come from their own chat, how many answers each event got.
func (s *Server) Answers() map[string]int {
	s.mu.Lock()
	owner := make(map[string]string, len(s.tokens))
	for tok, t := range s.tokens {
		owner[tok] = t.chat
	}
	s.mu.Unlock()
	out := map[string]int{}
	for _, c := range s.Calls() {
		if !c.Accepted() {
			continue
		}
		switch c.Kind {
		case Reply:
			out[owner[c.ReplyToken]]++
		case Push:
			out[c.To]++
		}
	}
	return out
}

// Violations returns the limits requests broke.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// Wait polls until cond holds for the calls so far, and fails the test after the
// timeout (60s when 0: an answer on the bundled data under the race detector, on a
// busy machine, has taken over 10 s; a wait that ends early leaves the event in the
// shared outbox, where the next test's handler would deliver it).
func (s *Server) Wait(tb testing.TB, timeout time.Duration, what string, cond func([]Call) bool) []Call {
	tb.Helper()
	if timeout <= 0 {
		timeout = time.Minute
	}
	deadline := time.Now().Add(timeout)
	for {
		calls := s.Calls()
		if cond(calls) {
			return calls
		}
		if time.Now().After(deadline) {
			tb.Fatalf("linetest: timed out waiting for %s; calls: %s", what, summary(calls))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// WaitDelivered waits until n replies or pushes were accepted and returns them.
func (s *Server) WaitDelivered(tb testing.TB, n int) []Call {
	tb.Helper()
	calls := s.Wait(tb, 0, fmt.Sprintf("%d delivered messages", n), func(cs []Call) bool {
		k := 0
		for _, c := range cs {
			if (c.Kind == Reply || c.Kind == Push) && c.Accepted() {
				k++
			}
		}
		return k >= n
	})
	var out []Call
	for _, c := range calls {
		if (c.Kind == Reply || c.Kind == Push) && c.Accepted() {
			out = append(out, c)
		}
	}
	return out
}

func summary(calls []Call) string {
	if len(calls) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, c := range calls {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", c.Kind, c.Status)
		if c.Violation != "" {
			fmt.Fprintf(&b, " (%s)", c.Violation)
		}
	}
	return b.String()
}

var paths = map[string]string{
	"/v2/bot/message/reply":      Reply,
	"/v2/bot/message/push":       Push,
	"/v2/bot/chat/loading/start": Loading,
}

// chatIDs are LINE's user, group and room ids.
var (
	userID = regexp.MustCompile(`^U[0-9a-f]{32}$`)
	chatID = regexp.MustCompile(`^[UCR][0-9a-f]{32}$`)
	uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.opt.Latency > 0 {
		time.Sleep(s.opt.Latency)
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	c := Call{Kind: paths[r.URL.Path], Path: r.URL.Path, Body: body, At: time.Now()}
	status, answer, header := s.handle(r, &c)
	c.Status = status

	s.mu.Lock()
	if c.Violation != "" {
		s.violations = append(s.violations, fmt.Sprintf("%s %s: %s", r.Method, r.URL.Path, c.Violation))
	}
	s.calls = append(s.calls, c)
	s.mu.Unlock()

	for k, v := range header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Line-Request-Id", randomHex(8))
	w.WriteHeader(status)
	_, _ = w.Write(answer)
}

// errorBody is LINE's error JSON.
func errorBody(msg string, details ...string) []byte {
	type detail struct {
		Message  string `json:"message"`
		Property string `json:"property,omitempty"`
	}
	e := struct {
		Message string   `json:"message"`
		Details []detail `json:"details,omitempty"`
	}{Message: msg}
	for _, d := range details {
		e.Details = append(e.Details, detail{Message: d})
	}
	b, _ := json.Marshal(e)
	return b
}

// handle checks a request, fills c and returns the answer. Invalid requests are
// violations: the code under test must never send them.
func (s *Server) handle(r *http.Request, c *Call) (int, []byte, map[string]string) {
	bad := func(msg string) (int, []byte, map[string]string) {
		c.Violation = msg
		return http.StatusBadRequest, errorBody("The request body has 1 error(s)", msg), nil
	}
	if c.Kind == "" {
		c.Violation = "unknown endpoint"
		return http.StatusNotFound, errorBody("Not found"), nil
	}
	if r.Method != http.MethodPost {
		c.Violation = "method " + r.Method
		return http.StatusMethodNotAllowed, errorBody("Method not allowed"), nil
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		c.Violation = "no valid channel access token in Authorization"
		return http.StatusUnauthorized, errorBody("Authentication failed. Confirm that the access token in the authorization header is valid."), nil
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return bad("Content-Type " + ct + ": want application/json")
	}
	if err := brokenText(c.Body); err != nil {
		return bad(err.Error())
	}
	var req map[string]any
	dec := json.NewDecoder(bytes.NewReader(c.Body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return bad("body is not a JSON object: " + err.Error())
	}
	if dec.More() {
		return bad("trailing data after the JSON object")
	}

	if c.Kind == Loading {
		c.ChatID, _ = req["chatId"].(string)
		if !userID.MatchString(c.ChatID) {
			return bad("chatId: the loading animation is only for a user's one-to-one chat (U + 32 hex digits)")
		}
		c.LoadingSeconds = 20
		if v, ok := req["loadingSeconds"]; ok {
			n, err := v.(json.Number).Int64()
			if err != nil || n < 5 || n > 60 || n%5 != 0 {
				return bad("loadingSeconds: want a multiple of 5 from 5 to 60")
			}
			c.LoadingSeconds = int(n)
		}
		if f, ok := s.takeFailure(c.Kind); ok {
			return f.status, []byte(f.body), nil
		}
		return http.StatusAccepted, []byte("{}"), nil
	}

	msgs, ok := req["messages"].([]any)
	if !ok {
		return bad("messages: missing")
	}
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		c.Messages = append(c.Messages, Message(mm))
	}
	if err := validateMessages(msgs); err != nil {
		return bad(err.Error())
	}

	if c.Kind == Push {
		c.To, _ = req["to"].(string)
		if !chatID.MatchString(c.To) {
			return bad("to: not a user, group or room id")
		}
		c.RetryKey = r.Header.Get("X-Line-Retry-Key")
		if !uuidRe.MatchString(c.RetryKey) {
			return bad("X-Line-Retry-Key: want a UUID, got " + fmt.Sprintf("%q", c.RetryKey))
		}
		if f, ok := s.takeFailure(c.Kind); ok {
			return f.status, []byte(f.body), nil
		}
		if status, h, ok := s.down(c.Kind); ok {
			return status, outageBody(status), h
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		key := strings.ToLower(c.RetryKey)
		if t, ok := s.retryKeys[key]; ok && time.Since(t) < s.opt.RetryWindow {
			return http.StatusConflict, errorBody("The retry key is already accepted"), map[string]string{"X-Line-Accepted-Request-Id": randomHex(8)}
		}
		s.retryKeys[key] = time.Now()
		return http.StatusOK, s.sent(len(msgs)), nil
	}

	c.ReplyToken, _ = req["replyToken"].(string)
	if c.ReplyToken == "" {
		return bad("replyToken: missing")
	}
	if f, ok := s.takeFailure(c.Kind); ok {
		return f.status, []byte(f.body), nil
	}
	if status, h, ok := s.down(c.Kind); ok {
		return status, outageBody(status), h
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[c.ReplyToken]
	if !ok || t.used || t.expired || time.Since(t.issued) > s.opt.TokenTTL {
		return http.StatusBadRequest, errorBody("Invalid reply token"), nil
	}
	t.used = true
	return http.StatusOK, s.sent(len(msgs)), nil
}

// brokenText finds strings cut inside a character: invalid UTF-8, a lone surrogate
// escape, or the \ufffd escape that Go's JSON encoder writes for invalid UTF-8 (a
// replacement character that was in the text is written as is, and is fine).
func brokenText(body []byte) error {
	if !utf8.Valid(body) {
		return errors.New("invalid UTF-8 in the body")
	}
	hex4 := func(b []byte) (uint64, bool) {
		v, err := strconv.ParseUint(string(b), 16, 16)
		return v, err == nil
	}
	// Backslashes occur in JSON only in strings' escapes: scan them in order.
	for i := 0; i+1 < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		if body[i+1] != 'u' || i+6 > len(body) {
			i++
			continue
		}
		v, ok := hex4(body[i+2 : i+6])
		switch {
		case !ok:
		case v == 0xfffd:
			return errors.New(`\ufffd in the body: a string was cut inside a character`)
		case v >= 0xd800 && v < 0xdc00:
			if i+12 > len(body) || body[i+6] != '\\' || body[i+7] != 'u' {
				return errors.New("a lone UTF-16 surrogate in the body")
			}
			if w, ok := hex4(body[i+8 : i+12]); !ok || w < 0xdc00 || w > 0xdfff {
				return errors.New("a lone UTF-16 surrogate in the body")
			}
			i += 6
		case v >= 0xdc00 && v < 0xe000:
			return errors.New("a lone UTF-16 surrogate in the body")
		}
		i += 5
	}
	return nil
}

func (s *Server) takeFailure(kind string) (failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fs := s.failures[kind]
	if len(fs) == 0 {
		return failure{}, false
	}
	s.failures[kind] = fs[1:]
	return fs[0], true
}

// sent is the answer of an accepted reply or push. Call with s.mu held.
func (s *Server) sent(n int) []byte {
	type sentMessage struct {
		ID         string `json:"id"`
		QuoteToken string `json:"quoteToken,omitempty"`
	}
	out := struct {
		SentMessages []sentMessage `json:"sentMessages"`
	}{}
	for range n {
		s.seq++
		out.SentMessages = append(out.SentMessages, sentMessage{ID: fmt.Sprintf("%018d", s.seq), QuoteToken: randomHex(12)})
	}
	b, _ := json.Marshal(out)
	return b
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
