package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/bot/web"
)

func TestMetricsToken(t *testing.T) {
	const token = "s3cret-metrics-token-0123456789"
	ts := startServer(t, web.Config{MetricsToken: token})
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"none", "", 401},
		{"wrong", "Bearer not-the-token", 401},
		{"no scheme", token, 401},
		{"prefix of it", "Bearer " + token[:10], 401},
		{"right", "Bearer " + token, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h []string
			if tc.auth != "" {
				h = []string{"Authorization", tc.auth}
			}
			resp := ts.get(t, "/metrics", h...)
			body := readBody(t, resp.Body)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if has := strings.Contains(body, "civicbot_http_requests_total"); has != (tc.want == 200) {
				t.Errorf("metrics shown: %t", has)
			}
			if tc.want == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	// The citizens' routes need no token.
	if resp := ts.get(t, "/healthz"); resp.StatusCode != 200 {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
}

func TestMetricsElsewhere(t *testing.T) {
	s, err := web.New(web.Config{Engine: &stubEngine{}, Store: &stubStore{}, MetricsElsewhere: true,
		RatePerIP: web.Limit{PerMinute: -1}, RatePerSession: web.Limit{PerMinute: -1}})
	if err != nil {
		t.Fatal(err)
	}
	main := httptest.NewServer(s.Handler())
	defer main.Close()
	ms := httptest.NewServer(s.MetricsHandler())
	defer ms.Close()
	get := func(base, path string) (int, string) {
		t.Helper()
		resp, err := main.Client().Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, readBody(t, resp.Body)
	}
	if code, _ := get(main.URL, "/healthz"); code != 200 {
		t.Fatalf("/healthz: %d", code)
	}
	if code, _ := get(main.URL, "/metrics"); code != 404 {
		t.Errorf("/metrics on the citizens' address: %d, want 404", code)
	}
	// The metrics listener counts the citizens' requests...
	if code, body := get(ms.URL, "/metrics"); code != 200 || !strings.Contains(body, `civicbot_http_requests_total{code="200",route="GET /healthz"} 1`) {
		t.Errorf("metrics listener: %d\n%s", code, body)
	}
	// ...and serves nothing else.
	if code, _ := get(ms.URL, "/healthz"); code != 404 {
		t.Errorf("metrics listener /healthz: %d, want 404", code)
	}
}
