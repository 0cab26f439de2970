package web

import (
	"container/list"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxLimiterKeys bounds the buckets one limiter keeps (about 200 bytes each).
const maxLimiterKeys = 100_000

// buckets is a token bucket per key (a session, an IP). Memory is bounded: a bucket
// idle long enough to be full again is dropped, as it is no different from a new one,
// and past maxKeys the least recently used bucket goes.
type buckets struct {
	limit rate.Limit
	burst int
	idle  time.Duration // time to refill an empty bucket
	max   int

	mu   sync.Mutex
	keys map[string]*list.Element // of *bucket
	lru  list.List                // most recently used first
}

type bucket struct {
	key  string
	lim  *rate.Limiter
	used time.Time
}

func newBuckets(l Limit, maxKeys int) *buckets {
	perSecond := l.PerMinute / 60
	return &buckets{
		limit: rate.Limit(perSecond),
		burst: l.Burst,
		idle:  time.Duration(float64(l.Burst) / perSecond * float64(time.Second)),
		max:   maxKeys,
		keys:  make(map[string]*list.Element),
	}
}

// reserve takes a token for key at now. The caller cancels the reservation if it
// must wait: the request is refused then, and costs nothing.
func (b *buckets) reserve(key string, now time.Time) *rate.Reservation {
	b.mu.Lock()
	defer b.mu.Unlock()
	for e := b.lru.Back(); e != nil; e = b.lru.Back() {
		old := e.Value.(*bucket)
		if len(b.keys) < b.max && now.Sub(old.used) < b.idle {
			break
		}
		b.lru.Remove(e)
		delete(b.keys, old.key)
	}
	var bk *bucket
	if e, ok := b.keys[key]; ok {
		bk = e.Value.(*bucket)
		b.lru.MoveToFront(e)
	} else {
		bk = &bucket{key: key, lim: rate.NewLimiter(b.limit, b.burst)}
		b.keys[key] = b.lru.PushFront(bk)
	}
	bk.used = now
	return bk.lim.ReserveN(now, 1)
}

func (b *buckets) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.keys)
}

// allow takes a token from the client's IP bucket and, for a session, from the
// session's; when either is empty neither is spent and the error says how long to wait.
func (s *Server) allow(r *http.Request, session string) error {
	if s.shared != nil {
		return s.allowShared(r, session)
	}
	now := time.Now()
	type take struct {
		scope string
		res   *rate.Reservation
	}
	var takes []take
	if s.perIP != nil {
		takes = append(takes, take{"ip", s.perIP.reserve(s.clientIP(r), now)})
	}
	if s.perSession != nil && session != "" {
		takes = append(takes, take{"session", s.perSession.reserve(session, now)})
	}
	var refused *limitError
	for _, t := range takes {
		d := t.res.DelayFrom(now)
		if !t.res.OK() {
			d = time.Minute
		}
		if d > 0 && (refused == nil || d > refused.retryAfter) {
			refused = &limitError{scope: t.scope, retryAfter: d}
		}
	}
	if refused == nil {
		return nil
	}
	for _, t := range takes {
		t.res.CancelAt(now)
	}
	return refused
}

// clientIP is the key of a client's IP bucket: its address, or for IPv6 its /64, which
// one household or phone usually holds whole.
func (s *Server) clientIP(r *http.Request) string {
	addr := r.RemoteAddr
	if s.trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if last = strings.TrimSpace(last); last != "" {
				addr = last
			}
		}
	}
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// allowShared is allow with the buckets kept where every replica takes from them. A
// store that cannot be reached lets the request through: it is the store the answer
// needs too, and refusing every citizen for the limits' sake would not protect it.
func (s *Server) allowShared(r *http.Request, session string) error {
	var (
		take   []Bucket
		scopes []string
	)
	add := func(scope, key string, b *buckets) {
		take = append(take, Bucket{Key: scope + "\x00" + key, PerSecond: float64(b.limit), Burst: b.burst})
		scopes = append(scopes, scope)
	}
	if s.perIP != nil {
		add("ip", s.clientIP(r), s.perIP)
	}
	if s.perSession != nil && session != "" {
		add("session", session, s.perSession)
	}
	if len(take) == 0 {
		return nil
	}
	waits, err := s.shared.Take(r.Context(), take)
	if err != nil || len(waits) != len(take) {
		s.log.Warn("shared rate limits unavailable: request let through", "err", err)
		return nil
	}
	var refused *limitError
	for i, d := range waits {
		if d > 0 && (refused == nil || d > refused.retryAfter) {
			refused = &limitError{scope: scopes[i], retryAfter: d}
		}
	}
	if refused == nil {
		return nil
	}
	return refused
}
