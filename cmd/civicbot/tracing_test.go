package main

import (
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// TestServeTraces runs `civicbot serve` with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a
// fake collector: a chat request makes one trace (the request, the answer and its
// steps), exported over OTLP/HTTP without the question in it, and the request's log
// line carries the trace's id.
func TestServeTraces(t *testing.T) {
	var (
		mu       sync.Mutex
		payloads [][]byte
	)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/v1/traces" {
			t.Errorf("exported to %s", r.URL.Path)
		}
		mu.Lock()
		payloads = append(payloads, b)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Write(out)
	}))
	defer collector.Close()

	srv := startServe(t, map[string]string{"DATABASE_URL": pgtest.New(t), "CIVICBOT_ADDR": "127.0.0.1:0", "OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL})
	const question = "我的電話0912345678，路邊停車費要怎麼繳"
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Post(srv.base+"api/v1/chat", "application/json",
		strings.NewReader(`{"session_id":"trace-test","message":"`+question+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("chat: %d", resp.StatusCode)
	}
	srv.stop(t) // sends the spans still buffered

	mu.Lock()
	defer mu.Unlock()
	spans := map[string][]byte{} // name → trace id
	for _, p := range payloads {
		for _, secret := range []string{"0912345678", "路邊停車費", "trace-test"} {
			if bytes.Contains(p, []byte(secret)) {
				t.Errorf("the exported spans hold %q", secret)
			}
		}
		var req coltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(p, &req); err != nil {
			t.Fatal(err)
		}
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					spans[sp.Name] = sp.TraceId
				}
			}
		}
	}
	var names []string
	for n := range spans {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, want := range []string{"chat", "answer", "triage", "search", "store.save_turn"} {
		if spans[want] == nil {
			t.Errorf("no %q span exported; got %v", want, names)
		} else if !bytes.Equal(spans[want], spans["chat"]) {
			t.Errorf("span %q is not in the request's trace", want)
		}
	}
	m := regexp.MustCompile(`msg=chat .*trace_id=([0-9a-f]{32})`).FindStringSubmatch(srv.stderr.String())
	if m == nil {
		t.Fatalf("the chat log line has no trace_id:\n%s", srv.stderr.String())
	}
	if m[1] != hex.EncodeToString(spans["chat"]) {
		t.Errorf("the log's trace_id %s is not the request's trace %x", m[1], spans["chat"])
	}
	if !strings.Contains(srv.stderr.String(), "otlp_endpoint="+collector.URL) {
		t.Errorf("the endpoint is not in the printed configuration")
	}
}
