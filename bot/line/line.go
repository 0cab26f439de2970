// Package line answers citizens in LINE. The webhook verifies LINE's signature,
// writes the events to the store's outbox and only then acknowledges them (LINE does
// not deliver an acknowledged event again; when the store cannot record them the
// webhook answers 500, so that LINE redelivers them). A pool of workers claims the
// outbox's events under a lease, asks the answer engine and sends LINE-native
// messages: the answer split to LINE's limits, its sources as a Flex carousel,
// emergencies as a card with call buttons, quick replies for follow-ups and 👍/👎
// feedback. Answers go by reply while the reply token is valid (retried with backoff
// on 5xx and 429, Retry-After honoured), then by push with an X-Line-Retry-Key kept
// with the event, so that a retried push is not delivered twice. An event stays in
// the outbox until its answer is delivered: a process stopped mid-answer releases it
// to the next process (or another replica), and a crashed one's lease expires.
//
// Redelivered events are answered once across replicas (the Store records event ids),
// a chat's events are answered in order, one at a time, LINE user ids are kept only
// as keyed hashes in sessions and logs (the outbox holds the event as LINE sent it
// until it is answered), and neither message texts nor user ids are logged.
package line

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Answerer answers a citizen's message; *bot.Engine is one.
type Answerer interface {
	Ask(ctx context.Context, r bot.Request, emit func(bot.Event)) (bot.Answer, error)
}

// Store is what the channel keeps: the outbox of events acknowledged and not yet
// answered (shared by the replicas), feedback, and conversations to forget.
// *pgstore.Store and *memstore.Store are ones.
type Store interface {
	conversation.Outbox
	SaveFeedback(ctx context.Context, f conversation.Feedback) error
	DeleteSession(ctx context.Context, session string) (int64, error)
}

var _ Answerer = (*bot.Engine)(nil)

// Defaults.
const (
	DefaultAPIBaseURL    = "https://api.line.me"
	DefaultWorkers       = 8
	DefaultLease         = 30 * time.Second
	DefaultPoll          = time.Second
	DefaultReplyTimeout  = 50 * time.Second
	DefaultAnswerTimeout = 90 * time.Second
	DefaultMaxBodyBytes  = 1 << 20
	DefaultRetention     = 30 * 24 * time.Hour
	// LoadingSeconds is how long the loading animation shows at most; it stops when
	// the answer arrives.
	LoadingSeconds = 20
)

// Config configures a Handler.
type Config struct {
	ChannelSecret string // LINE_CHANNEL_SECRET: verifies webhook signatures
	AccessToken   string // LINE_CHANNEL_ACCESS_TOKEN: calls the Messaging API
	// APIBaseURL is the Messaging API's address (LINE_API_BASE_URL; default
	// https://api.line.me). Tests point it at linetest.
	APIBaseURL string

	Engine Answerer
	Store  Store
	// TracerProvider records a trace per event answered, with the engine's answer
	// and the send to LINE as its children (OpenTelemetry); nil records none.
	TracerProvider trace.TracerProvider
	// Answers counts the answers sent, labelled channel="line" (bot.NewAnswersCounter,
	// shared with the web); nil: one of LINE's own, among Collectors.
	Answers *prometheus.CounterVec

	// HashKey keys the hashes that stand for LINE user, group and room ids (session
	// ids and logs). Default: derived from the channel secret, so that rotating the
	// secret starts new conversations; set it to keep them.
	HashKey []byte

	Workers int // answers made at once (LINE_WORKERS, default 8)
	// Lease is how long a worker's claim on an event lasts without renewal (default
	// 30s; renewed while the worker holds it): a crashed process's events are taken
	// over this long after the crash.
	Lease time.Duration
	// Poll is how often idle workers look in the outbox for events accepted by other
	// replicas, released, or due to be retried (default 1s).
	Poll time.Duration

	// NoPush turns off the push fallback: an answer whose reply token expired is then
	// dropped instead of pushed (pushes count against the account's message quota).
	NoPush bool
	// ReplyTimeout is how long after the event's timestamp an answer still goes by
	// reply (default 50s: LINE's reply tokens last about a minute); later ones, and
	// replies that keep failing until then, are pushed.
	ReplyTimeout time.Duration
	// AnswerTimeout bounds the engine's work on one message (default 90s).
	AnswerTimeout time.Duration

	// HTTPClient calls the Messaging API (default: 10s timeout per request).
	HTTPClient *http.Client
	// MaxBodyBytes caps a webhook body (default 1 MiB).
	MaxBodyBytes int64
	// Retention is how long conversations are kept, as the greeting tells users
	// (default 30 days; pass the engine's Retention()).
	Retention time.Duration

	Log *slog.Logger
}

// Handler serves the LINE webhook and answers its events.
type Handler struct {
	answers *prometheus.CounterVec
	// ownAnswers is set when answers is the handler's own, exposed by Collectors.
	ownAnswers    bool
	tracer        trace.Tracer
	secret        string
	token         string
	baseURL       string
	engine        Answerer
	store         Store
	hashKey       []byte
	workers       int
	lease         time.Duration
	poll          time.Duration
	owner         string // this handler's name on the outbox leases
	push          bool
	replyTimeout  time.Duration
	answerTimeout time.Duration
	http          *http.Client
	maxBody       int64
	retention     time.Duration
	log           *slog.Logger

	wake     chan struct{} // pokes the dispatcher: events were accepted or a chat freed
	inflight atomic.Int64  // events held by the workers
	closed   atomic.Bool   // the webhook refuses events (shutting down)

	mu      sync.Mutex
	started bool
	stopped bool
	stop    chan struct{} // closed by Shutdown: no more claims
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{} // closed when the workers have stopped

	// Stats counts what the channel did.
	Stats Stats
}

// Stats counts what the channel did, for /metrics and tests.
type Stats struct {
	Events  atomic.Int64 // events in verified webhooks
	Handled atomic.Int64 // events finished with: answered, skipped or ignored

	// Events by type.
	Texts     atomic.Int64 // text messages
	NonTexts  atomic.Int64 // stickers, images, video, audio, locations, files
	Postbacks atomic.Int64
	Follows   atomic.Int64
	Unfollows atomic.Int64
	Joins     atomic.Int64
	Leaves    atomic.Int64
	Ignored   atomic.Int64 // other types, and standby-mode events

	NotAddressed atomic.Int64 // group or room messages that did not mention the bot
	Duplicates   atomic.Int64 // redelivered events already taken (by any replica)
	Unrecorded   atomic.Int64 // webhooks answered 500 because the store could not record their events
	Resumed      atomic.Int64 // events claimed again: after a restart, a crash or a failed delivery
	Retries      atomic.Int64 // deliveries tried again after a 5xx, a 429 or a network error
	AskErrors    atomic.Int64 // engine failures (the user gets an apology)
	// Answers counts the answers sent, by mode (in the order of conversation.Modes).
	Answers  [len(conversation.Modes)]atomic.Int64
	Feedback atomic.Int64 // 👍/👎 stored

	Replies        atomic.Int64 // replies LINE accepted
	Pushes         atomic.Int64 // pushes LINE accepted
	PushDuplicates atomic.Int64 // pushes LINE refused as already accepted (409): not sent twice
	Late           atomic.Int64 // answers past the reply timeout, or whose token was spent
	Dropped        atomic.Int64 // late answers not pushed (NoPush, or no valid recipient)
	SendFailures   atomic.Int64 // replies or pushes that failed

	BadSignatures atomic.Int64 // webhooks refused: signature missing or wrong
	TooLarge      atomic.Int64 // webhooks refused: body over MaxBodyBytes
	Malformed     atomic.Int64 // webhooks or events that did not parse
}

// New returns a Handler; Start runs its workers.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.ChannelSecret == "":
		return nil, errors.New("line: no channel secret (LINE_CHANNEL_SECRET)")
	case cfg.AccessToken == "":
		return nil, errors.New("line: no channel access token (LINE_CHANNEL_ACCESS_TOKEN)")
	case cfg.Engine == nil || cfg.Store == nil:
		return nil, errors.New("line: an engine and a store are needed")
	}
	tp := cfg.TracerProvider
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	h := &Handler{
		tracer:        tp.Tracer("github.com/civicbot/civicbot/bot/line"),
		secret:        cfg.ChannelSecret,
		token:         cfg.AccessToken,
		baseURL:       cfg.APIBaseURL,
		engine:        cfg.Engine,
		store:         cfg.Store,
		hashKey:       cfg.HashKey,
		workers:       cfg.Workers,
		push:          !cfg.NoPush,
		replyTimeout:  cfg.ReplyTimeout,
		answerTimeout: cfg.AnswerTimeout,
		http:          cfg.HTTPClient,
		maxBody:       cfg.MaxBodyBytes,
		retention:     cfg.Retention,
		log:           cfg.Log,
		lease:         cfg.Lease,
		poll:          cfg.Poll,
		owner:         newOwner(),
		wake:          make(chan struct{}, 1),
		stop:          make(chan struct{}),
		done:          make(chan struct{}),
		answers:       cfg.Answers,
	}
	if h.answers == nil {
		h.answers = bot.NewAnswersCounter("line")
		h.ownAnswers = true
	}
	if h.baseURL == "" {
		h.baseURL = DefaultAPIBaseURL
	}
	if len(h.hashKey) == 0 {
		m := hmac.New(sha256.New, []byte(cfg.ChannelSecret))
		m.Write([]byte("civicbot/line/chat-id-hash/v1"))
		h.hashKey = m.Sum(nil)
	}
	if h.workers <= 0 {
		h.workers = DefaultWorkers
	}
	if h.lease <= 0 {
		h.lease = DefaultLease
	}
	if h.poll <= 0 {
		h.poll = DefaultPoll
	}
	if h.replyTimeout <= 0 {
		h.replyTimeout = DefaultReplyTimeout
	}
	if h.answerTimeout <= 0 {
		h.answerTimeout = DefaultAnswerTimeout
	}
	if h.http == nil {
		h.http = &http.Client{
			Timeout: 10 * time.Second,
			Transport: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				TLSHandshakeTimeout:   5 * time.Second,
				ResponseHeaderTimeout: 10 * time.Second,
				IdleConnTimeout:       90 * time.Second,
				MaxIdleConnsPerHost:   h.workers * 2,
				ForceAttemptHTTP2:     true,
			},
		}
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.retention <= 0 {
		h.retention = DefaultRetention
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	// Fail at start, not at the first event, on a bad base URL.
	if _, err := messaging_api.NewMessagingApiAPI(h.token, messaging_api.WithEndpoint(h.baseURL)); err != nil {
		return nil, fmt.Errorf("line: API base URL %q: %w", h.baseURL, err)
	}
	if _, err := greeting(h.retention); err != nil {
		return nil, err
	}
	return h, nil
}

// Start runs the workers; they first take up the events that a previous process
// left in the outbox. Cancelling ctx does not stop them (a signal should not cut
// answers short): Shutdown lets the answers in progress finish, Close abandons them
// (to the next process). ctx's values reach every answer.
func (h *Handler) Start(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started {
		return errors.New("line: already started")
	}
	if h.stopped {
		return errors.New("line: closed")
	}
	h.started = true
	h.ctx, h.cancel = context.WithCancel(context.WithoutCancel(ctx))
	go h.run(h.ctx)
	return nil
}

// Shutdown stops taking events (the webhook answers 503, so LINE redelivers them to
// another replica, and no more are claimed from the outbox) and waits for the answers
// in progress. When ctx ends first, they are cancelled and ctx's error returned. The
// events not answered stay in the outbox, released to the next process.
func (h *Handler) Shutdown(ctx context.Context) error {
	h.closed.Store(true)
	h.mu.Lock()
	if !h.stopped {
		h.stopped = true
		close(h.stop)
	}
	started := h.started
	h.mu.Unlock()
	if !started {
		return nil
	}
	var err error
	select {
	case <-h.done:
	case <-ctx.Done():
		h.cancel()
		<-h.done
		err = ctx.Err()
	}
	h.cancel()
	rctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if n, rerr := h.store.RenewLeases(rctx, h.owner, 0); rerr != nil {
		h.log.Error("line: releasing the events not answered", "err", rerr)
	} else if n > 0 {
		h.log.Info("line: events left in the outbox for the next process", "events", n)
	}
	return err
}

// Close stops at once: the answers in progress are cancelled, their events left in
// the outbox for the next process.
func (h *Handler) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// SessionID is the session under which a LINE chat's conversation is stored: "line:"
// and a keyed hash of the user, group or room id.
func (h *Handler) SessionID(chatID string) string { return "line:" + h.hash(chatID) }

func (h *Handler) hash(id string) string {
	m := hmac.New(sha256.New, h.hashKey)
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// tag names a chat in logs: a prefix of its hash, never the id.
func (h *Handler) tag(chatID string) string {
	if chatID == "" {
		return ""
	}
	return h.hash(chatID)[:12]
}

// InProgress is the number of events the workers hold.
func (h *Handler) InProgress() int { return int(h.inflight.Load()) }

// Collectors expose the Stats on /metrics.
func (h *Handler) Collectors() []prometheus.Collector {
	s := &h.Stats
	counter := func(name, help string, labels prometheus.Labels, v *atomic.Int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(v.Load()) })
	}
	const events = "civicbot_line_events_total"
	const eventsHelp = "LINE webhook events received, by type."
	const sent = "civicbot_line_sent_total"
	const sentHelp = "LINE messages sent, by how (reply, push)."
	const refused = "civicbot_line_webhooks_refused_total"
	const refusedHelp = "LINE webhook requests refused, by reason."
	cs := []prometheus.Collector{
		counter(events, eventsHelp, prometheus.Labels{"type": "text"}, &s.Texts),
		counter(events, eventsHelp, prometheus.Labels{"type": "non_text"}, &s.NonTexts),
		counter(events, eventsHelp, prometheus.Labels{"type": "postback"}, &s.Postbacks),
		counter(events, eventsHelp, prometheus.Labels{"type": "follow"}, &s.Follows),
		counter(events, eventsHelp, prometheus.Labels{"type": "unfollow"}, &s.Unfollows),
		counter(events, eventsHelp, prometheus.Labels{"type": "join"}, &s.Joins),
		counter(events, eventsHelp, prometheus.Labels{"type": "leave"}, &s.Leaves),
		counter(events, eventsHelp, prometheus.Labels{"type": "ignored"}, &s.Ignored),
		counter(sent, sentHelp, prometheus.Labels{"how": "reply"}, &s.Replies),
		counter(sent, sentHelp, prometheus.Labels{"how": "push"}, &s.Pushes),
		counter(refused, refusedHelp, prometheus.Labels{"reason": "signature"}, &s.BadSignatures),
		counter(refused, refusedHelp, prometheus.Labels{"reason": "too_large"}, &s.TooLarge),
		counter(refused, refusedHelp, prometheus.Labels{"reason": "malformed"}, &s.Malformed),
		counter("civicbot_line_unrecorded_total", "LINE webhooks refused with 500 because the store could not record their events.", nil, &s.Unrecorded),
		counter("civicbot_line_resumed_total", "LINE events claimed again after a restart, a crash or a failed delivery.", nil, &s.Resumed),
		counter("civicbot_line_retries_total", "LINE deliveries tried again after a 5xx, a 429 or a network error.", nil, &s.Retries),
		counter("civicbot_line_duplicates_total", "Redelivered LINE events skipped because a replica had taken them.", nil, &s.Duplicates),
		counter("civicbot_line_late_total", "LINE answers past the reply timeout or whose reply token was spent.", nil, &s.Late),
		counter("civicbot_line_dropped_total", "Late LINE answers not pushed.", nil, &s.Dropped),
		counter("civicbot_line_send_failures_total", "LINE replies or pushes that failed.", nil, &s.SendFailures),
		counter("civicbot_line_push_duplicates_total", "LINE pushes refused as already accepted (retry key).", nil, &s.PushDuplicates),
		counter("civicbot_line_ask_errors_total", "LINE messages the engine failed to answer.", nil, &s.AskErrors),
		counter("civicbot_line_feedback_total", "Feedback given in LINE.", nil, &s.Feedback),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "civicbot_line_in_progress", Help: "LINE events held by this process's workers."},
			func() float64 { return float64(h.InProgress()) }),
	}
	if h.ownAnswers {
		cs = append(cs, h.answers)
	}
	return cs
}
