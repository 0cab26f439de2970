// Command loadgen puts a civicbot server under the load of many widget users: each
// virtual user asks questions over Server-Sent Events, reads the answer to the end,
// optionally thinks, and asks again. It reports the time to the first byte and to
// the first piece of the answer, answers per second, and errors.
//
//	go run ./cmd/loadgen -url http://127.0.0.1:8080 -c 500 -n 5000
//	go run ./cmd/loadgen -url http://127.0.0.1:8080 -c 500 -d 60s -think 5s
//	go run ./cmd/loadgen -url http://127.0.0.1:8080 -mode json -c 100 -d 30s
//
// With -mode json each question asks for the JSON answer instead, whose first byte is
// the whole answer's.
//
// Questions come from -q (one a line) or a built-in list answered from the bundled
// open data in extractive mode. Rate limits apply to the load too: run the server with
// CIVICBOT_RATE_LIMIT=off (every virtual user comes from 127.0.0.1).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// defaultQuestions are answered from the bundled data (TFDA drugs, Taipei FAQ) in
// extractive mode.
var defaultQuestions = []string{
	"路邊停車費要怎麼繳",
	"普拿疼膜衣錠是什麼藥",
	"白色圓形的藥丸，上面刻 YSP",
	"YSP 007",
	"交通違規簡訊服務常見問答",
	"衛署藥製字第029478號",
	"身心障礙停車證怎麼申請",
	"阿斯匹靈可以跟普拿疼一起吃嗎",
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

type config struct {
	url       string
	c, n      int
	duration  time.Duration
	think     time.Duration
	ramp      time.Duration
	timeout   time.Duration
	sessions  bool
	questions []string
	asJSON    bool
	plain     bool // JSON answers rather than Server-Sent Events
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	var cfg config
	fs.StringVar(&cfg.url, "url", "http://127.0.0.1:8080", "the server")
	fs.IntVar(&cfg.c, "c", 100, "concurrent virtual users (streams)")
	fs.IntVar(&cfg.n, "n", 1000, "questions in all (0: until -d)")
	fs.DurationVar(&cfg.duration, "d", 0, "stop after this long (0: after -n questions)")
	fs.DurationVar(&cfg.think, "think", 0, "mean pause of a user between questions (uniform in 0..2×think)")
	fs.DurationVar(&cfg.ramp, "ramp", -1, "users start at random times within this (default 2×think: arrivals are steady from the start)")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "bound on one answer")
	fs.BoolVar(&cfg.sessions, "sessions", true, "give each virtual user a session_id (conversation memory)")
	fs.BoolVar(&cfg.asJSON, "json", false, "print the report as JSON")
	mode := fs.String("mode", "sse", "sse: stream each answer (Accept: text/event-stream); json: ask for the JSON answer")
	qfile := fs.String("q", "", "file of questions, one a line (default: a built-in list)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch *mode {
	case "sse":
	case "json":
		cfg.plain = true
	default:
		return fmt.Errorf("-mode %q: want sse or json", *mode)
	}
	if cfg.ramp < 0 {
		cfg.ramp = 2 * cfg.think
	}
	if cfg.c <= 0 || (cfg.n <= 0 && cfg.duration <= 0) {
		return errors.New("want -c > 0 and -n > 0 or -d > 0")
	}
	cfg.url = strings.TrimRight(cfg.url, "/")
	cfg.questions = defaultQuestions
	if *qfile != "" {
		b, err := os.ReadFile(*qfile)
		if err != nil {
			return err
		}
		cfg.questions = nil
		for l := range strings.Lines(string(b)) {
			if l = strings.TrimSpace(l); l != "" {
				cfg.questions = append(cfg.questions, l)
			}
		}
		if len(cfg.questions) == 0 {
			return fmt.Errorf("%s: no questions", *qfile)
		}
	}
	rep, err := load(ctx, cfg)
	if err != nil {
		return err
	}
	if cfg.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.print(stdout, cfg)
	if rep.Errors > 0 {
		return fmt.Errorf("%d errors", rep.Errors)
	}
	return nil
}

// result is one question's outcome.
type result struct {
	ttfb, firstDelta, total time.Duration
	mode                    string
	err                     string // "" when the answer streamed to done
}

func load(ctx context.Context, cfg config) (*report, error) {
	client := &http.Client{
		Timeout: cfg.timeout,
		Transport: &http.Transport{
			MaxIdleConns:        cfg.c,
			MaxIdleConnsPerHost: cfg.c,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
	// The server must be up before the clock starts.
	resp, err := client.Get(cfg.url + "/healthz")
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s/healthz: %s", cfg.url, resp.Status)
	}

	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	var (
		next     atomic.Int64
		inFlight atomic.Int64
		peak     atomic.Int64
		mu       sync.Mutex
		results  = make([]result, 0, max(cfg.n, 1024))
		wg       sync.WaitGroup
	)
	start := time.Now()
	for w := range cfg.c {
		wg.Go(func() {
			session := ""
			if cfg.sessions {
				session = fmt.Sprintf("loadgen-%d-%d", start.UnixNano(), w)
			}
			rnd := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			if cfg.ramp > 0 {
				select {
				case <-time.After(time.Duration(rnd.Int64N(int64(cfg.ramp)))):
				case <-ctx.Done():
				}
			}
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if cfg.n > 0 && i >= int64(cfg.n) {
					return
				}
				q := cfg.questions[int(i)%len(cfg.questions)]
				n := inFlight.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				r := ask(ctx, client, cfg.url, session, q, cfg.plain)
				inFlight.Add(-1)
				if r.err != "" && ctx.Err() != nil {
					return // cut off by the end of the run
				}
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
				if cfg.think > 0 {
					select {
					case <-time.After(time.Duration(rnd.Int64N(int64(2 * cfg.think)))):
					case <-ctx.Done():
					}
				}
			}
		})
	}
	wg.Wait()
	return newReport(results, time.Since(start), int(peak.Load())), nil
}

// ask asks one question over SSE and reads the stream to its end, or, when plain,
// asks for the JSON answer and reads it whole (its first byte is then the whole
// answer's: the server writes it once made).
func ask(ctx context.Context, client *http.Client, base, session, q string, plain bool) result {
	body, _ := json.Marshal(map[string]string{"session_id": session, "message": q, "locale": "zh-TW"})
	var r result
	start := time.Now()
	trace := &httptrace.ClientTrace{GotFirstResponseByte: func() { r.ttfb = time.Since(start) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), "POST", base+"/api/v1/chat", strings.NewReader(string(body)))
	if err != nil {
		r.err = err.Error()
		return r
	}
	req.Header.Set("Content-Type", "application/json")
	if plain {
		req.Header.Set("Accept", "application/json")
	} else {
		req.Header.Set("Accept", "text/event-stream")
	}
	resp, err := client.Do(req)
	if err != nil {
		r.err = classify(err)
		return r
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		r.err = "status " + strconv.Itoa(resp.StatusCode)
		return r
	}
	if plain {
		var a struct {
			Answer string `json:"answer"`
			Mode   string `json:"mode"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			r.err = classify(err)
			return r
		}
		r.total = time.Since(start)
		r.firstDelta, r.mode = r.total, a.Mode
		if r.mode == "" {
			r.err = "answer without a mode"
		}
		return r
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var event string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
			if event == "delta" && r.firstDelta == 0 {
				r.firstDelta = time.Since(start)
			}
		case strings.HasPrefix(line, "data: ") && event == "done":
			var done struct {
				Mode string `json:"mode"`
			}
			json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &done)
			r.mode = done.Mode
			r.total = time.Since(start)
		case strings.HasPrefix(line, "data: ") && event == "error":
			r.err = "error event"
		}
	}
	switch {
	case sc.Err() != nil:
		r.err = classify(sc.Err())
	case r.err == "" && r.mode == "":
		r.err = "stream ended without done"
	}
	return r
}

func classify(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), os.IsTimeout(err):
		return "timeout"
	}
	return err.Error()
}

// report summarises a run.
type report struct {
	Questions   int            `json:"questions"`
	Answers     int            `json:"answers"`
	Errors      int            `json:"errors"`
	ErrorKinds  map[string]int `json:"error_kinds,omitempty"`
	Modes       map[string]int `json:"modes"`
	Seconds     float64        `json:"seconds"`
	PerSecond   float64        `json:"answers_per_second"`
	PeakStreams int            `json:"peak_streams"`
	TTFB        percentiles    `json:"ttfb_ms"`
	FirstDelta  percentiles    `json:"first_delta_ms"`
	Total       percentiles    `json:"total_ms"`
}

type percentiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func newReport(results []result, elapsed time.Duration, peak int) *report {
	rep := &report{Questions: len(results), ErrorKinds: map[string]int{}, Modes: map[string]int{}, Seconds: elapsed.Seconds(), PeakStreams: peak}
	var ttfb, first, total []time.Duration
	for _, r := range results {
		if r.err != "" {
			rep.Errors++
			rep.ErrorKinds[r.err]++
			continue
		}
		rep.Answers++
		rep.Modes[r.mode]++
		ttfb = append(ttfb, r.ttfb)
		first = append(first, r.firstDelta)
		total = append(total, r.total)
	}
	rep.PerSecond = float64(rep.Answers) / elapsed.Seconds()
	rep.TTFB, rep.FirstDelta, rep.Total = pct(ttfb), pct(first), pct(total)
	return rep
}

func pct(ds []time.Duration) percentiles {
	if len(ds) == 0 {
		return percentiles{}
	}
	slices.Sort(ds)
	at := func(p float64) float64 {
		i := int(float64(len(ds))*p+0.5) - 1
		i = min(max(i, 0), len(ds)-1)
		return float64(ds[i].Microseconds()) / 1000
	}
	return percentiles{P50: at(.50), P90: at(.90), P95: at(.95), P99: at(.99), Max: at(1)}
}

func (rep *report) print(w io.Writer, cfg config) {
	fmt.Fprintf(w, "loadgen: %s, %d virtual users, think %s, ramp %s, %d questions in %.1fs\n", cfg.url, cfg.c, cfg.think, cfg.ramp, rep.Questions, rep.Seconds)
	fmt.Fprintf(w, "answers:      %d (%.1f/s), peak %d streams open\n", rep.Answers, rep.PerSecond, rep.PeakStreams)
	fmt.Fprintf(w, "errors:       %d", rep.Errors)
	kinds := make([]string, 0, len(rep.ErrorKinds))
	for k := range rep.ErrorKinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "  [%s ×%d]", k, rep.ErrorKinds[k])
	}
	fmt.Fprintln(w)
	modes := make([]string, 0, len(rep.Modes))
	for m := range rep.Modes {
		modes = append(modes, fmt.Sprintf("%s=%d", m, rep.Modes[m]))
	}
	sort.Strings(modes)
	fmt.Fprintf(w, "modes:        %s\n", strings.Join(modes, " "))
	for _, l := range []struct {
		name string
		p    percentiles
	}{{"first byte", rep.TTFB}, {"first delta", rep.FirstDelta}, {"whole answer", rep.Total}} {
		fmt.Fprintf(w, "%-13s p50 %7.1f ms  p90 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms  max %7.1f ms\n", l.name+":", l.p.P50, l.p.P90, l.p.P95, l.p.P99, l.p.Max)
	}
}
