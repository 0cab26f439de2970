package web

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/fstest"
	"time"
)

func TestLimitBuckets(t *testing.T) {
	b := newBuckets(Limit{PerMinute: 60, Burst: 2}, 1000)
	now := time.Now()
	for i := range 2 {
		if d := b.reserve("k", now).DelayFrom(now); d != 0 {
			t.Fatalf("request %d waits %s", i, d)
		}
	}
	r := b.reserve("k", now)
	if d := r.DelayFrom(now); d != time.Second {
		t.Errorf("third request waits %s, want 1s", d)
	}
	r.CancelAt(now)
	// A refused request costs nothing: a second later one token is back.
	later := now.Add(time.Second)
	if d := b.reserve("k", later).DelayFrom(later); d != 0 {
		t.Errorf("after a second: waits %s", d)
	}
	if d := b.reserve("other", now).DelayFrom(now); d != 0 {
		t.Errorf("another key waits %s", d)
	}
}

func TestLimitBucketsBounded(t *testing.T) {
	b := newBuckets(Limit{PerMinute: 60, Burst: 10}, 100)
	now := time.Now()
	for i := range 10_000 {
		b.reserve("key"+strconv.Itoa(i), now)
	}
	if n := b.len(); n != 100 {
		t.Errorf("%d buckets kept, want at most 100", n)
	}
	// Buckets idle long enough to be full again are dropped.
	later := now.Add(11 * time.Second)
	b.reserve("new", later)
	if n := b.len(); n != 1 {
		t.Errorf("%d buckets kept after they refilled, want 1", n)
	}
}

func TestLimitClientIP(t *testing.T) {
	for _, tc := range []struct {
		remote, xff string
		trust       bool
		want        string
	}{
		{"192.0.2.1:1234", "", false, "192.0.2.1"},
		{"192.0.2.1:1234", "203.0.113.9", false, "192.0.2.1"},
		{"10.0.0.2:1234", "198.51.100.7, 203.0.113.9", true, "203.0.113.9"},
		{"10.0.0.2:1234", "", true, "10.0.0.2"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", false, "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.1]:80", "", false, "192.0.2.1"},
	} {
		s := &Server{trustProxy: tc.trust}
		r := httptest.NewRequest("POST", "/api/v1/chat", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := s.clientIP(r); got != tc.want {
			t.Errorf("%s (X-Forwarded-For %q, trust %v): %s, want %s", tc.remote, tc.xff, tc.trust, got, tc.want)
		}
	}
}

func TestServerAssetGzip(t *testing.T) {
	// Through the handler the widget is whatever static/ holds; here the logic is
	// checked on a file that compresses.
	body := []byte("console.log('civicbot');\n")
	for range 6 {
		body = append(body, body...)
	}
	fsys := fstest.MapFS{"w.js": {Data: body}}
	a, err := newAsset(fsys, "w.js", map[string][]string{"Content-Type": {"application/javascript; charset=utf-8"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.gz == nil || len(a.gz) >= len(body) {
		t.Fatalf("not compressed: %d -> %d bytes", len(body), len(a.gz))
	}
	for _, tc := range []struct {
		accept string
		gzip   bool
	}{
		{"gzip", true},
		{"br, gzip;q=0.5", true},
		{"GZIP", true},
		{"gzip;q=0", false},
		{"identity", false},
		{"", false},
	} {
		r := httptest.NewRequest("GET", "/widget.js", nil)
		if tc.accept != "" {
			r.Header.Set("Accept-Encoding", tc.accept)
		}
		w := httptest.NewRecorder()
		a.serve(w, r)
		if got := w.Header().Get("Content-Encoding") == "gzip"; got != tc.gzip {
			t.Errorf("Accept-Encoding %q: gzip %v", tc.accept, got)
		}
		if w.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("Vary %q", w.Header().Get("Vary"))
		}
		wantLen := len(body)
		if tc.gzip {
			wantLen = len(a.gz)
		}
		if w.Body.Len() != wantLen || w.Header().Get("Content-Length") != strconv.Itoa(wantLen) {
			t.Errorf("Accept-Encoding %q: %d bytes, Content-Length %s, want %d", tc.accept, w.Body.Len(), w.Header().Get("Content-Length"), wantLen)
		}
	}
}
