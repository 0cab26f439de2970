// Package conversation is what civicbot keeps of its exchanges with citizens: the
// turns of a conversation and the sources they cite, the citizens' feedback, the
// curated answers staff approve, and the outbox of channel events between
// acknowledgement and delivery. It holds the record types, the storage contracts
// every store implements (Store, Outbox) and the sentinels they return.
//
// The package sits below the bot (which answers) and beside retrieval (which finds
// documents): the stores implement its interfaces without importing the bot, the
// bot and the staff side read and write its records through them.
//
// Every store must, besides the method contracts below:
//
//   - return ErrNotFound (wrapped or not) for a conversation record that does not
//     exist (a turn, a rating); retrieval.ErrNotFound is for documents only;
//   - return ErrUnknownMessage for feedback on a message it does not hold;
//   - return ErrCannotWrite (wrapped) when it is reachable but refuses writes (a
//     read-only database, a full disk, lost permissions);
//   - keep texts as given, however awkward (quotes, emoji, 20,000 runes); bytes that
//     are not text (NUL, invalid UTF-8) may be cleaned, but never fail a save. The
//     bot redacts personal data before anything reaches a store.
//
// The conformance suite in conversation/conversationtest checks these sentences on
// every store.
package conversation

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a conversation record (a turn, a rating) does not exist.
var ErrNotFound = errors.New("conversation: not found")

// ErrCannotWrite is returned by a store that is reachable but cannot write: the
// database is read-only, its disk is full, or its permissions were taken away.
var ErrCannotWrite = errors.New("conversation: the store cannot write")

// ErrUnknownMessage is returned for feedback on a message that does not exist (or was
// purged).
var ErrUnknownMessage = errors.New("conversation: unknown message")

// Mode says how an answer was made; the names are part of the public contract.
type Mode string

const (
	ModeExtractive Mode = "extractive" // assembled from retrieved records by templates
	ModeGenerated  Mode = "generated"  // written by an LLM from numbered sources
	ModeCurated    Mode = "curated"    // a staff-approved answer
	ModeEmergency  Mode = "emergency"  // a fixed emergency answer
	ModeRefusal    Mode = "refusal"    // out of scope or an attempt to change the rules
	ModeNoAnswer   Mode = "no_answer"  // no good enough source
)

// Modes lists every Mode (an array, so that counters per mode can be arrays too).
var Modes = [...]Mode{ModeExtractive, ModeGenerated, ModeCurated, ModeEmergency, ModeRefusal, ModeNoAnswer}

// Source is a document an answer is drawn from, shown to citizens with its dataset and
// the date of the data.
type Source struct {
	Dataset  string `json:"dataset"`
	Key      string `json:"key"`
	Title    string `json:"title"`
	URL      string `json:"url"`
	Snapshot string `json:"snapshot"` // YYYY-MM-DD, "" when unknown
	// Images are pictures of what the source describes (a pill's photos), each with
	// its appearance as text; omitted when there are none (an addition to the
	// contract: clients that do not know it keep working).
	Images []Image `json:"images,omitempty"`
}

// Image is a picture in a source, with the text that stands for it.
type Image struct {
	URL string `json:"url"`
	Alt string `json:"alt"` // the record's appearance: colour, shape, imprint
}

// Topic is what a conversation is about.
type Topic struct {
	Dataset string `json:"dataset"`
	Key     string `json:"key"`
	Title   string `json:"title"`
}

// Turn is one stored exchange of a conversation, with personal data already redacted.
type Turn struct {
	MessageID string
	SessionID string
	Channel   string
	Question  string
	Answer    string
	Mode      Mode
	Sources   []Source
	Topic     *Topic
	Fallback  string
	CreatedAt time.Time
}

// Feedback is a citizen's rating of an answer.
type Feedback struct {
	MessageID string
	Rating    string // RatingUp or RatingDown
	Comment   string // redacted before it is stored
	CreatedAt time.Time
}

// Ratings.
const (
	RatingUp   = "up"
	RatingDown = "down"
)

// Curated is a staff-approved answer, matched against questions before retrieval.
type Curated struct {
	ID        string    `json:"id"`
	Questions []string  `json:"questions"` // the question and its variants
	Answer    string    `json:"answer"`
	Sources   []Source  `json:"sources"`
	Status    string    `json:"status"` // draft, approved, retired
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Hits      int64     `json:"hits,omitempty"`
	// LastHit is when it was last served (zero: never); stores keep it, with Hits,
	// when an answer is updated.
	LastHit time.Time `json:"last_hit,omitzero"`
	// Author drafted it and ApprovedBy approved it (staff e-mails, or "" for answers
	// imported from a file): nobody approves their own draft.
	Author     string `json:"author,omitempty"`
	ApprovedBy string `json:"approved_by,omitempty"`
}

// Curated answer statuses.
const (
	CuratedDraft    = "draft"
	CuratedApproved = "approved"
	CuratedRetired  = "retired"
)

// Store is what the bot keeps and reads of conversations while it answers: the memory
// of a session and the curated answers. store/pgstore implements it, and so does
// the embedded store (store/memstore).
type Store interface {
	SaveTurn(ctx context.Context, t Turn) error
	// RecentTurns returns the last n turns of a session made after since, oldest first.
	RecentTurns(ctx context.Context, session string, n int, since time.Time) ([]Turn, error)
	// CuratedAnswers returns every curated answer, whatever its status, by id.
	CuratedAnswers(ctx context.Context) ([]Curated, error)
	// CuratedHit counts one use of a curated answer, now, and records the time as
	// its LastHit; an unknown id is no error.
	CuratedHit(ctx context.Context, id string) error
}
