package bot_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/bot"
	"github.com/civicbot/civicbot/conversation"
)

// followUpCase is a conversation of testdata/followups: its turns, in one session, and
// what its last turn must be answered from: one of Expect; or, when Same, the record the
// first turn was answered from (a medicine's card asked again about one aspect); or a
// record whose title holds Title (any licence of a brand).
type followUpCase struct {
	Turns  []string `json:"turns"`
	Expect []string `json:"expect"`
	Same   bool     `json:"same"`
	Title  string   `json:"title"`
	Tags   []string `json:"tags"`
}

func readFollowUps(t *testing.T, path string) []followUpCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []followUpCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var c followUpCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		if len(c.Turns) < 2 || len(c.Expect) == 0 && !c.Same && c.Title == "" {
			t.Fatalf("%s:%d: a conversation needs two turns or more and what the last is answered from", path, n)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// followUpOutcomes are the last turns' outcomes of a set of conversations.
type followUpOutcomes struct{ n, right, wrong, declined int }

func (o followUpOutcomes) String() string {
	return fmt.Sprintf("%d conversations: last turn right %d, wrong %d, declined %d", o.n, o.right, o.wrong, o.declined)
}

// converse asks every conversation of cases in a session of its own and counts how its
// last turn was answered; show logs the ones that were not answered right.
func converse(t *testing.T, e *bot.Engine, cases []followUpCase, show bool) followUpOutcomes {
	t.Helper()
	var o followUpOutcomes
	for i, c := range cases {
		session := fmt.Sprintf("followup-%d", i)
		var first, last bot.Answer
		for j, q := range c.Turns {
			a, err := e.Ask(context.Background(), bot.Request{Message: q, SessionID: session}, nil)
			if err != nil {
				t.Fatalf("%q: %v", q, err)
			}
			if j == 0 {
				first = a
			}
			last = a
		}
		expect := c.Expect
		if c.Same && len(first.Sources) > 0 {
			expect = []string{first.Sources[0].Key}
		}
		o.n++
		switch {
		case last.Mode == conversation.ModeNoAnswer || last.Mode == conversation.ModeRefusal:
			o.declined++
		case len(last.Sources) > 0 && (len(expect) > 0 && slices.Contains(expect, last.Sources[0].Key) || c.Title != "" && strings.Contains(last.Sources[0].Title, c.Title)):
			o.right++
			continue
		default:
			o.wrong++
		}
		if show {
			got := ""
			if len(last.Sources) > 0 {
				got = last.Sources[0].Title
			}
			t.Logf("%q: %s from %q, want %v", c.Turns, last.Mode, got, expect)
		}
	}
	return o
}

// TestFollowUpOutcomes measures conversations whose last turn asks about what an
// earlier one was answered from («什麼時候發錢» after a subsidy's eligibility, «小孩可以
// 吃嗎» after a medicine): the development set (testdata/followups/dev.jsonl, whose
// failures are listed) and the held-out one (heldout.jsonl, written from other records
// before the method was tuned on the development set; only its figures are shown).
func TestFollowUpOutcomes(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *bot.Engine) {
		dev := converse(t, e, readFollowUps(t, "../testdata/followups/dev.jsonl"), true)
		held := converse(t, e, readFollowUps(t, "../testdata/followups/heldout.jsonl"), false)
		t.Logf("follow-ups, development: %v", dev)
		t.Logf("follow-ups, held-out: %v", held)
		// Measured on both stores: before follow-ups kept their topic for an aspect or a
		// population asked (18ec6bf), development 5 of 20 and held-out 3 of 23; after,
		// 13 and 15; with a short question naming nothing new to the conversation
		// read as a follow-up too, 16 and 16; with «哪個單位» stating where, 17 and 16.
		// Six development and five held-out conversations asking the last question of
		// something else («那咖啡呢») were added (the held-out ones written before the
		// change for them): 22 of 26 and 20 of 28 with it, 21 and 18 without. Four
		// English development conversations («Where do I apply?», "Is it free?"): 25 of
		// 30 with English follow-ups read, 24 without.
		if r := float64(dev.right) / float64(dev.n); r < 0.75 {
			t.Errorf("development follow-ups answered right %.2f, want ≥ 0.75", r)
		}
		if r := float64(held.right) / float64(held.n); r < 0.5 {
			t.Errorf("held-out follow-ups answered right %.2f, want ≥ 0.50", r)
		}
	})
}
