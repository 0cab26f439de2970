package staff

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/retrieval"
)

// TurnFilter selects stored turns for staff. Zero fields select everything.
type TurnFilter struct {
	Mode    string
	Rating  string // "up", "down", or "none" for turns without a rating
	Channel string
	Text    string // a piece of the question, without case
	From    time.Time
	To      time.Time
	// Review selects only turns waiting for review: answered with no answer or rated
	// down, and not yet dealt with.
	Review bool
	// Before pages: turns strictly older than this one (time, then id).
	Before Cursor
	Limit  int
}

// Cursor is a position in a list of turns, newest first.
type Cursor struct {
	At time.Time
	ID string
}

// TurnRow is a stored turn as staff see it: redacted at the source, with the
// citizen's rating and what staff did with it.
type TurnRow struct {
	conversation.Turn
	Rating   string // "", "up" or "down"
	Comment  string
	Reviewed string // the action taken in the review queue ("curated", "dismissed"), "" if none
}

// Conversations is what the console reads of the citizens' turns.
type Conversations interface {
	// Conversations lists turns newest first (time, then id).
	Conversations(ctx context.Context, f TurnFilter) ([]TurnRow, error)
	// MarkReviewed records what staff did with turns in the review queue; they leave
	// it. Unknown ids are skipped.
	MarkReviewed(ctx context.Context, ids []string, action, reason, actor string) error
}

// Review reasons, as the staff API names them.
const (
	ReasonDown     = "down"
	ReasonNoAnswer = "no_answer"
)

// ReviewItem is a group of near-identical questions waiting for review.
type ReviewItem struct {
	ID        string                `json:"id"` // the newest turn's message id
	Question  string                `json:"question"`
	Count     int                   `json:"count"`
	Reason    string                `json:"reason"` // ReasonDown when any of them was rated down
	LastAt    time.Time             `json:"last_at"`
	Questions []string              `json:"questions"`   // the distinct questions, most frequent first (at most 10)
	IDs       []string              `json:"message_ids"` // every turn of the group
	Sources   []conversation.Source `json:"sources"`     // the newest turn's sources
}

// GroupSimilarity is how alike two questions must be (Dice similarity of their
// tokens) to be grouped as one review item.
const GroupSimilarity = 0.75

// Group gathers turns waiting for review into items of near-identical questions,
// most asked first. Turns come newest first, as Conversations lists them. Each turn
// joins the most similar existing group when the similarity reaches GroupSimilarity;
// candidates are found through the tokens they share, so grouping stays near linear.
func Group(turns []TurnRow) []ReviewItem {
	type group struct {
		item   ReviewItem
		tokens map[string]bool
		seen   map[string]int
	}
	var (
		groups  []*group
		byToken = map[string][]int{}
		byKey   = map[string]int{}
	)
	for _, t := range turns {
		norm := retrieval.Normalize(t.Question)
		key := strings.ToLower(strings.Join(strings.Fields(norm), " "))
		toks := map[string]bool{}
		for _, tok := range retrieval.Tokens(norm) {
			toks[tok] = true
		}
		gi, ok := byKey[key]
		if !ok {
			shared := map[int]int{}
			for tok := range toks {
				for _, g := range byToken[tok] {
					shared[g]++
				}
			}
			best, score := -1, 0.0
			for g, n := range shared {
				s := 2 * float64(n) / float64(len(toks)+len(groups[g].tokens))
				if s > score || (s == score && g < best) {
					best, score = g, s
				}
			}
			if best >= 0 && score >= GroupSimilarity {
				gi, ok = best, true
				byKey[key] = gi
			}
		}
		if !ok {
			gi = len(groups)
			byKey[key] = gi
			groups = append(groups, &group{item: ReviewItem{ID: t.MessageID, Question: t.Question, LastAt: t.CreatedAt, Reason: ReasonNoAnswer, Sources: t.Sources},
				tokens: toks, seen: map[string]int{}})
			for tok := range toks {
				byToken[tok] = append(byToken[tok], gi)
			}
		}
		g := groups[gi]
		g.item.Count++
		g.item.IDs = append(g.item.IDs, t.MessageID)
		g.seen[t.Question]++
		if t.Rating == conversation.RatingDown {
			g.item.Reason = ReasonDown
		}
		if t.CreatedAt.After(g.item.LastAt) {
			g.item.LastAt, g.item.ID = t.CreatedAt, t.MessageID
		}
	}
	out := make([]ReviewItem, 0, len(groups))
	for _, g := range groups {
		qs := make([]string, 0, len(g.seen))
		for q := range g.seen {
			qs = append(qs, q)
		}
		slices.SortFunc(qs, func(a, b string) int {
			if c := g.seen[b] - g.seen[a]; c != 0 {
				return c
			}
			return strings.Compare(a, b)
		})
		g.item.Questions = qs[:min(len(qs), 10)]
		g.item.Question = qs[0]
		out = append(out, g.item)
	}
	slices.SortStableFunc(out, func(a, b ReviewItem) int {
		if c := b.Count - a.Count; c != 0 {
			return c
		}
		return b.LastAt.Compare(a.LastAt)
	})
	return out
}

// DayCount is how many turns one day had of a channel, mode and rating.
type DayCount struct {
	Day     string // YYYY-MM-DD, Taipei time
	Channel string
	Mode    string
	Rating  string // "", "up" or "down"
	N       int
}

// Taipei is the time zone days are counted in (UTC+8, no daylight saving).
var Taipei = time.FixedZone("Asia/Taipei", 8*3600)

// DatasetStat is how many documents of a dataset have a status, and the date of the
// newest data among them.
type DatasetStat struct {
	Dataset  string    `json:"dataset"`
	Status   string    `json:"status"`
	N        int       `json:"count"`
	Snapshot time.Time `json:"snapshot,omitzero"`
}

// IngestRun is one recorded ingest run, with the rows it rejected.
type IngestRun struct {
	StartedAt time.Time       `json:"started_at"`
	Duration  time.Duration   `json:"duration_ns"`
	OK        bool            `json:"ok"`
	Error     string          `json:"error,omitempty"`
	Sources   []string        `json:"sources"`
	Documents int             `json:"documents"`
	Added     int             `json:"added"`
	Changed   int             `json:"changed"`
	Removed   int             `json:"removed"`
	Rejected  int             `json:"rejected"`
	Rejects   []ingest.Reject `json:"rejects"`
	// Text counts, by source, the broken characters (U+FFFD) and those repaired.
	Text []ingest.SourceText `json:"text"`
}

// Sources is what the console shows of the stored open data.
type Sources interface {
	// DatasetStats counts documents by dataset and status, by dataset then status.
	DatasetStats(ctx context.Context) ([]DatasetStat, error)
	// IngestRuns lists the last n ingest runs, newest first.
	IngestRuns(ctx context.Context, n int) ([]IngestRun, error)
}
