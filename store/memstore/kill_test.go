package memstore_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval/retrievaltest"
	"github.com/civicbot/civicbot/store/memstore"
)

// TestMain lets a test run a helper process that writes to a store, so that the test
// can kill it with SIGKILL and check what the store kept.
func TestMain(m *testing.M) {
	switch os.Getenv("MEMSTORE_HELPER") {
	case "":
		os.Exit(m.Run())
	case "turns":
		helperTurns(os.Getenv("MEMSTORE_DIR"))
	case "sync":
		helperSync(os.Getenv("MEMSTORE_DIR"), os.Getenv("MEMSTORE_PAUSE") != "")
	default:
		fmt.Fprintln(os.Stderr, "unknown helper")
		os.Exit(3)
	}
	os.Exit(0)
}

// helper starts this test binary as a helper process; its stdout is returned.
func helper(t *testing.T, kind, dir string, env ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MEMSTORE_HELPER="+kind, "MEMSTORE_DIR="+dir)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewScanner(out)
}

func helperFail(err error) {
	fmt.Fprintln(os.Stderr, "helper:", err)
	os.Exit(2)
}

// helperTurns saves turns from four goroutines, with feedback on every tenth, and
// prints the id of each once SaveTurn has returned, until it is killed.
func helperTurns(dir string) {
	e := &retrievaltest.CountingEmbedder{Dim: 16}
	s, err := memstore.Open(context.Background(), dir, e, info(e), quiet)
	if err != nil {
		helperFail(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("w%d-%06d", w, i)
				t := conversation.Turn{MessageID: id, SessionID: fmt.Sprintf("s%d", w), Channel: "web", Question: "問題 " + id,
					Answer: strings.Repeat("回答", 200), Mode: conversation.ModeExtractive}
				if err := s.SaveTurn(context.Background(), t); err != nil {
					helperFail(err)
				}
				if i%10 == 0 {
					if err := s.SaveFeedback(context.Background(), conversation.Feedback{MessageID: id, Rating: conversation.RatingUp}); err != nil {
						helperFail(err)
					}
				}
				mu.Lock()
				fmt.Println(id)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// Every turn the store acknowledged survives the process being killed.
func TestKilledWhileSavingTurnsLosesNothingAcknowledged(t *testing.T) {
	dir := t.TempDir()
	cmd, out := helper(t, "turns", dir)
	var acked []string
	for out.Scan() && len(acked) < 400 {
		acked = append(acked, out.Text())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Lines already printed count as acknowledged too.
	for out.Scan() {
		acked = append(acked, out.Text())
	}
	cmd.Wait()
	if len(acked) < 400 {
		t.Fatalf("the helper acknowledged only %d turns", len(acked))
	}

	e := &retrievaltest.CountingEmbedder{Dim: 16}
	s := open(t, dir, e)
	if err := s.Check(t.Context()); err != nil {
		t.Fatalf("after the kill: %v", err)
	}
	missing := 0
	perSession := map[string]int{}
	for _, id := range acked {
		tr, err := s.Turn(t.Context(), id)
		if err != nil {
			missing++
			if missing < 5 {
				t.Errorf("acknowledged turn %s: %v", id, err)
			}
			continue
		}
		perSession[tr.SessionID]++
		var i int
		fmt.Sscanf(id[3:], "%d", &i)
		if _, err := s.Feedback(t.Context(), id); i%10 == 0 && err != nil {
			t.Errorf("feedback on %s: %v", id, err)
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged turns lost", missing, len(acked))
	}
	for session, n := range perSession {
		turns, err := s.RecentTurns(t.Context(), session, 100000, time.Time{})
		if err != nil || len(turns) < n {
			t.Errorf("session %s: %d turns (%v), at least %d acknowledged", session, len(turns), err, n)
		}
	}
	// The store takes writes again.
	if err := s.SaveTurn(t.Context(), conversation.Turn{MessageID: "after", SessionID: "s0", Channel: "web", Mode: conversation.ModeExtractive}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d acknowledged turns, all kept", len(acked))
}

// versions returns the licences of a sync: version "A" of n, or version "B" with each
// text changed and more licences.
func versions(version string, n int) *ingest.Batch {
	rs := licences(n)
	for i := range rs {
		rs[i].Text += "\n版本：" + version
	}
	return batch("tfda-36", rs...)
}

// stdoutHandler writes the sync phases to stdout for the test to read, and with pause
// holds the sync inside its write transaction when it has written the records.
type stdoutHandler struct{ pause bool }

func (h stdoutHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h stdoutHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "phase" {
			fmt.Println("phase " + a.Value.String())
			if os.Getenv("MEMSTORE_TIMES") != "" {
				fmt.Fprintln(os.Stderr, time.Now().Format("15:04:05.000"), a.Value.String())
			}
			if h.pause && a.Value.String() == "write records" {
				time.Sleep(time.Minute)
			}
		}
		return true
	})
	return nil
}
func (h stdoutHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h stdoutHandler) WithGroup(string) slog.Handler      { return h }

// helperSync syncs version B over version A, printing the phases, then "done".
func helperSync(dir string, pause bool) {
	e := &retrievaltest.CountingEmbedder{Dim: 16}
	s, err := memstore.Open(context.Background(), dir, e, info(e), slog.New(stdoutHandler{pause}))
	if err != nil {
		helperFail(err)
	}
	if _, err := s.Sync(context.Background(), []*ingest.Batch{versions("B", 8000)}, ingest.SyncOptions{}); err != nil {
		helperFail(err)
	}
	fmt.Println("done")
	s.Close()
}

// storedVersion checks the store and says which version it holds: "A", "B", or a
// description of the mix it found.
func storedVersion(t *testing.T, dir string) string {
	t.Helper()
	s := open(t, dir, &retrievaltest.CountingEmbedder{Dim: 16})
	defer s.Close()
	if err := s.Check(t.Context()); err != nil {
		t.Fatalf("after the kill: %v", err)
	}
	docs, _ := s.Size()
	count := map[string]int{}
	for _, r := range licences(docs) {
		h, err := s.Get(t.Context(), corpus.DatasetDrug, r.Key)
		if err != nil {
			count["missing"]++
			continue
		}
		count[h.Body[strings.LastIndex(h.Body, "：")+len("："):]]++
	}
	switch {
	case docs == 3000 && count["A"] == 3000:
		return "A"
	case docs == 8000 && count["B"] == 8000:
		return "B"
	}
	return fmt.Sprintf("%d documents: %v", docs, count)
}

// A sync killed while it writes leaves the data of the sync before it, and the next
// sync completes.
func TestKilledSyncKeepsOldData(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, &retrievaltest.CountingEmbedder{Dim: 16})
	sync1(t, s, versions("A", 3000))
	s.Close()

	t.Run("inside the write transaction", func(t *testing.T) {
		cmd, out := helper(t, "sync", dir, "MEMSTORE_PAUSE=1")
		var phases []string
		for out.Scan() {
			phases = append(phases, out.Text())
			if out.Text() == "phase write records" {
				break
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
		if len(phases) == 0 || phases[len(phases)-1] != "phase write records" {
			t.Fatalf("the helper did not reach its write transaction: %q", phases)
		}
		if v := storedVersion(t, dir); v != "A" {
			t.Fatalf("after a sync killed in its transaction the store holds %s, want version A", v)
		}
	})

	t.Run("at random moments", func(t *testing.T) {
		// Killed anywhere (reading, embedding, writing, committing, after), the store
		// holds one version whole, and the sync's "done" means version B.
		for round := range 6 {
			cmd, out := helper(t, "sync", dir)
			lines := make(chan string, 100)
			go func() {
				for out.Scan() {
					lines <- out.Text()
				}
				close(lines)
			}()
			// Wait for the helper to start writing or reading, then a little more.
			<-lines
			time.Sleep(time.Duration(rand.IntN(700)) * time.Millisecond)
			cmd.Process.Kill()
			done := false
			for l := range lines {
				done = done || l == "done"
			}
			cmd.Wait()
			v := storedVersion(t, dir)
			t.Logf("round %d: store holds version %s (helper finished: %v)", round, v, done)
			if v != "A" && v != "B" || done && v != "B" {
				t.Fatalf("round %d: the store holds %s after the kill", round, v)
			}
			if v == "B" {
				// Back to A for the next round.
				s := open(t, dir, &retrievaltest.CountingEmbedder{Dim: 16})
				if _, err := s.Sync(t.Context(), []*ingest.Batch{versions("A", 3000)}, ingest.SyncOptions{AllowShrink: true}); err != nil {
					t.Fatal(err)
				}
				s.Close()
			}
		}
	})

	t.Run("the next sync completes", func(t *testing.T) {
		cmd, out := helper(t, "sync", dir)
		done := false
		for out.Scan() {
			done = done || out.Text() == "done"
		}
		if err := cmd.Wait(); err != nil || !done {
			t.Fatalf("helper: %v, done %v", err, done)
		}
		if v := storedVersion(t, dir); v != "B" {
			t.Fatalf("after a complete sync the store holds %s", v)
		}
	})
}
