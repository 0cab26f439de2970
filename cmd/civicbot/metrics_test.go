package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/civicbot/civicbot/store/pgstore/pgtest"
)

var metricsOn = regexp.MustCompile(`civicbot: metrics on (http://[^ ]+/metrics)\n`)

func httpGet(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeMetricsOffTheCitizensPort: with CIVICBOT_METRICS_ADDR, /metrics moves to
// its own listener; with CIVICBOT_METRICS_TOKEN, it needs the token.
func TestServeMetricsOffTheCitizensPort(t *testing.T) {
	db := pgtest.New(t)
	t.Run("own address", func(t *testing.T) {
		srv := startServe(t, map[string]string{"DATABASE_URL": db, "CIVICBOT_ADDR": "127.0.0.1:0", "CIVICBOT_METRICS_ADDR": "127.0.0.1:0"})
		defer srv.stop(t)
		m := metricsOn.FindStringSubmatch(srv.stderr.String())
		if m == nil {
			t.Fatalf("no metrics address in the log:\n%s", srv.stderr.String())
		}
		if code, _ := httpGet(t, srv.base+"healthz", ""); code != 200 {
			t.Fatalf("/healthz: %d", code)
		}
		if code, _ := httpGet(t, srv.base+"metrics", ""); code != 404 {
			t.Errorf("/metrics on the citizens' address: %d, want 404", code)
		}
		if code, body := httpGet(t, m[1], ""); code != 200 || !strings.Contains(body, `route="GET /healthz"`) {
			t.Errorf("%s: %d\n%s", m[1], code, body)
		}
	})
	t.Run("search cache", func(t *testing.T) {
		srv := startServe(t, map[string]string{"DATABASE_URL": db, "CIVICBOT_ADDR": "127.0.0.1:0", "CIVICBOT_RATE_LIMIT": "off"})
		defer srv.stop(t)
		// The same question again is answered from the kept search once the store
		// listens for other replicas' changes (it starts listening as it serves).
		hits := regexp.MustCompile(`(?m)^civicbot_search_cache_hits_total ([0-9]+)$`)
		for deadline := time.Now().Add(20 * time.Second); ; {
			resp, err := http.Post(srv.base+"api/v1/chat", "application/json", strings.NewReader(`{"message":"路邊停車費要怎麼繳"}`))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			_, body := httpGet(t, srv.base+"metrics", "")
			if m := hits.FindStringSubmatch(body); m != nil && m[1] != "0" {
				if !strings.Contains(body, "civicbot_search_cache_misses_total ") {
					t.Errorf("/metrics has no misses counter:\n%s", grepLines(body, "search_cache"))
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no search served from the cache:\n%s", grepLines(body, "search_cache"))
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	t.Run("token", func(t *testing.T) {
		const token = "0123456789abcdef0123456789abcdef"
		srv := startServe(t, map[string]string{"DATABASE_URL": db, "CIVICBOT_ADDR": "127.0.0.1:0", "CIVICBOT_METRICS_TOKEN": token})
		defer srv.stop(t)
		if code, body := httpGet(t, srv.base+"metrics", ""); code != 401 || strings.Contains(body, "civicbot_") {
			t.Errorf("/metrics without the token: %d\n%s", code, body)
		}
		if code, body := httpGet(t, srv.base+"metrics", "Bearer "+token); code != 200 || !strings.Contains(body, "civicbot_http_requests_total") {
			t.Errorf("/metrics with the token: %d\n%s", code, body)
		}
		if strings.Contains(srv.stderr.String(), token) {
			t.Error("the token is in the log")
		}
	})
}

func TestMetricsConfig(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string // in the error; "" for none
	}{
		{map[string]string{"CIVICBOT_METRICS_ADDR": ":9090"}, ""},
		{map[string]string{"CIVICBOT_METRICS_ADDR": "9090"}, "CIVICBOT_METRICS_ADDR"},
		{map[string]string{"CIVICBOT_METRICS_ADDR": ":8080"}, "another address"},
		{map[string]string{"CIVICBOT_METRICS_TOKEN": "short"}, "at least 16"},
		{map[string]string{"CIVICBOT_METRICS_TOKEN": strings.Repeat("x", 16)}, ""},
		{map[string]string{"CIVICBOT_SEARCH_CACHE": "off"}, ""},
		{map[string]string{"CIVICBOT_SEARCH_CACHE": "100"}, ""},
		{map[string]string{"CIVICBOT_SEARCH_CACHE": "-1"}, "CIVICBOT_SEARCH_CACHE"},
		{map[string]string{"CIVICBOT_SEARCH_CACHE": "on"}, "CIVICBOT_SEARCH_CACHE"},
	} {
		_, err := loadConfig(func(k string) string { return tc.env[k] })
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%v: err %v, want %q", tc.env, err, tc.want)
		}
	}
}
