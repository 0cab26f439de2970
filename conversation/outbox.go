package conversation

import (
	"context"
	"errors"
	"time"
)

// OutboxItem is a channel event kept in the store from its acknowledgement until its
// answer is delivered: a channel that acknowledges an event (LINE does not deliver an
// acknowledged event again) must not lose it to a restart, a crash or an API outage.
//
// Stores keep items durably (an acknowledged write survives a crash) and hand them to
// workers under a lease: a claimed item is invisible to other claimers until its
// lease ends (renewed by its owner, ended by Finish or by the owner's release), so a
// crashed process's items are taken over by the next claimer once their leases
// expire. The items of one chat are claimed in the order they were accepted, one at a
// time: a chat's next item is not claimed until the one before it is finished.
type OutboxItem struct {
	ID       string    // the event's id in its channel (LINE: webhookEventId), unique
	Chat     string    // the chat's keyed hash (never the raw id): the unit of ordering
	Event    []byte    // the event as the channel sent it
	Received time.Time // when the event was acknowledged
	// RetryKey is the idempotency key of the answer's delivery (LINE's
	// X-Line-Retry-Key, a UUID): the same on every attempt, by any process.
	RetryKey string

	// What the workers record as they go.

	Answer []byte // the messages to send, once made (nil before: the answer is still to make)
	// Sends counts failed delivery attempts, for the backoff.
	Sends int
	// Uncertain says that an attempt may have been delivered although it failed (a
	// timeout): a reply token then found spent means it was.
	Uncertain bool
	// NotBefore is when the item may be claimed again, after a failed delivery.
	NotBefore time.Time
	// Claims counts how often the item was claimed (more than once: it was taken
	// over after a crash, a shutdown or a failed delivery).
	Claims int
}

// ErrLeaseLost is returned when a worker updates an outbox item it no longer holds:
// its lease expired and another worker may have claimed it.
var ErrLeaseLost = errors.New("conversation: outbox lease lost")

// Outbox is what a store keeps of a channel's events between acknowledgement and
// delivery (see OutboxItem). Every implementation must:
//
//   - AcceptEvents: record each item's ID and put the items whose ID was never
//     recorded before in the outbox, durably, all or none; fresh[i] says whether
//     items[i] was new. An ID is remembered after its item is finished (LINE
//     redelivers for hours), so a redelivery is never fresh.
//   - ClaimEvents: lease up to max items to owner for lease, oldest first: for each
//     chat only its oldest item, and only when it is not leased to anyone (or its
//     lease ended) and its NotBefore has passed. Concurrent claimers never get one
//     item twice. Claims counts the claims so far, this one included.
//   - SaveEvent: store Answer, Sends, Uncertain and NotBefore of an item owner
//     holds; release ends the lease. ErrLeaseLost (wrapped) when owner does not
//     hold it.
//   - FinishEvent: remove an item owner holds from the outbox; ErrLeaseLost
//     (wrapped) when owner does not hold it.
//   - RenewLeases: extend every lease owner holds to lease from now, or release them
//     all when lease is 0; return how many.
type Outbox interface {
	AcceptEvents(ctx context.Context, items []OutboxItem) (fresh []bool, err error)
	ClaimEvents(ctx context.Context, owner string, max int, lease time.Duration) ([]OutboxItem, error)
	SaveEvent(ctx context.Context, owner string, it OutboxItem, release bool) error
	FinishEvent(ctx context.Context, owner, id string) error
	RenewLeases(ctx context.Context, owner string, lease time.Duration) (int64, error)
}
