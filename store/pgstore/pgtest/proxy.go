package pgtest

import (
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Proxy forwards TCP connections to the test server and can be paused: while paused it
// accepts connections and keeps every connection open but forwards no byte, as a
// PostgreSQL server stopped with SIGSTOP (or a network that drops packets) behaves.
// Tests use it to pause one test's database without touching the shared server.
type Proxy struct {
	ln       net.Listener
	upstream string

	mu      sync.Mutex
	paused  bool
	resumed chan struct{} // closed when the proxy resumes; replaced when it pauses
	closed  bool
	conns   map[net.Conn]bool
	wg      sync.WaitGroup
}

// NewProxy starts a proxy in front of the database at dbURL (a URL from New) and
// returns it with the URL that reaches the same database through it. The proxy is
// closed when the test ends.
func NewProxy(tb testing.TB, dbURL string) (*Proxy, string) {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		tb.Fatalf("pgtest: proxy: want a postgres:// URL, got %q", dbURL)
	}
	upstream := u.Host
	if u.Port() == "" {
		upstream = net.JoinHostPort(u.Hostname(), "5432")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("pgtest: proxy: %v", err)
	}
	p := &Proxy{ln: ln, upstream: upstream, resumed: make(chan struct{}), conns: map[net.Conn]bool{}}
	close(p.resumed)
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.Close)
	u.Host = ln.Addr().String()
	return p, u.String()
}

// Pause stops forwarding bytes; connections stay open and new ones are accepted.
func (p *Proxy) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.paused {
		p.paused = true
		p.resumed = make(chan struct{})
	}
}

// Resume forwards again, the bytes held while paused first.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused {
		p.paused = false
		close(p.resumed)
	}
}

// Close stops the proxy and closes every connection through it.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
	if p.paused {
		p.paused = false
		close(p.resumed)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// gate returns a channel closed when bytes may flow.
func (p *Proxy) gate() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.resumed
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
	c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	defer p.untrack(client)
	// A stopped server completes no handshake: the upstream connection is made only
	// when bytes may flow.
	<-p.gate()
	server, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	done := make(chan struct{}, 2)
	go func() { p.pipe(server, client); done <- struct{}{} }()
	go func() { p.pipe(client, server); done <- struct{}{} }()
	<-done
	// One side ended: end both, so that the other copier returns too.
	client.Close()
	server.Close()
	<-done
}

// pipe copies src to dst, holding each read until the proxy is not paused.
func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			<-p.gate()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil { // io.EOF or a closed connection
			return
		}
	}
}
