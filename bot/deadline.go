package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/retrieval"
)

// ErrUnavailable is returned when the store failed or did not answer in time while a
// message was being answered. Channels tell the citizen to try again or call 1999.
var ErrUnavailable = errors.New("bot: the store is unavailable")

// DefaultStoreTimeout bounds each store call of an answer: a search takes
// milliseconds, so a store past it is stuck, and the citizen should hear so at once.
const DefaultStoreTimeout = 3 * time.Second

// storeCall runs one store call of a turn under the store deadline. A failure is
// ErrUnavailable (a missing document or conversation record passes as it is), unless
// the citizen went away.
func (e *Engine) storeCall(ctx context.Context, op string, call func(context.Context) error) error {
	sctx, cancel := context.WithTimeout(ctx, e.storeTimeout)
	defer cancel()
	err := call(sctx)
	switch {
	case err == nil || errors.Is(err, retrieval.ErrNotFound) || errors.Is(err, conversation.ErrNotFound):
		return err
	case errors.Is(ctx.Err(), context.Canceled):
		return fmt.Errorf("bot: %s: %w", op, ctx.Err())
	case sctx.Err() != nil:
		// The store's own error may not say that the deadline was what ended it.
		return fmt.Errorf("%w: %s: %w (%w)", ErrUnavailable, op, context.DeadlineExceeded, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
}

// searchSlot waits for a search's turn (Config.MaxSearches) and returns what gives it
// back. A search that has its turn has the store to itself within the pool, so that
// its deadline is spent on its work; one that waits longer than the store's deadline
// is refused as the store's would be (the friendly error with 1999), before any work
// is done for it: under a load past what the database serves, the searches that run
// still finish, and a stopped database is reported as soon as without the queue.
func (e *Engine) searchSlot(ctx context.Context) (release func(), err error) {
	if e.searchSlots == nil {
		return func() {}, nil
	}
	select {
	case e.searchSlots <- struct{}{}:
		return func() { <-e.searchSlots }, nil
	default:
	}
	t := time.NewTimer(e.storeTimeout)
	defer t.Stop()
	select {
	case e.searchSlots <- struct{}{}:
		return func() { <-e.searchSlots }, nil
	case <-t.C:
		return nil, fmt.Errorf("%w: search: waiting for the store: %w", ErrUnavailable, context.DeadlineExceeded)
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, fmt.Errorf("bot: search: %w", ctx.Err())
		}
		return nil, fmt.Errorf("%w: search: %w", ErrUnavailable, ctx.Err())
	}
}

// timedOut says whether a store call ended on its deadline (or a network timeout).
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// saveTurn keeps a turn, even when the citizen has gone (a closed tab, a timed-out
// request): the answer was made, and its feedback may still come from LINE. A turn
// that cannot be kept is logged and counted; false says so.
func (e *Engine) saveTurn(ctx context.Context, t conversation.Turn) bool {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.storeTimeout)
	defer cancel()
	if err := e.store.SaveTurn(sctx, t); err != nil {
		e.Stats.UnsavedTurns.Add(1)
		e.log.Error("save turn: the answer was given but is not kept", "mode", string(t.Mode), "channel", t.Channel, "err", err)
		return false
	}
	return true
}

// saveLaterFor is how long a turn saved after its answer is retried while the store
// does not take it: an emergency should reach the staff's records once the database
// is back from a short outage.
const saveLaterFor = time.Minute

// saveLater keeps a turn after the answer has gone out, retrying for saveLaterFor.
func (e *Engine) saveLater(t conversation.Turn) {
	e.bgWork.Go(func() {
		sctx, cancel := context.WithTimeout(e.bg, saveLaterFor)
		defer cancel()
		wait := 250 * time.Millisecond
		for {
			actx, acancel := context.WithTimeout(sctx, e.storeTimeout)
			err := e.store.SaveTurn(actx, t)
			acancel()
			if err == nil {
				return
			}
			if sctx.Err() != nil || errors.Is(err, conversation.ErrCannotWrite) {
				e.Stats.UnsavedTurns.Add(1)
				e.log.Error("save turn: the answer was given but is not kept", "mode", string(t.Mode), "channel", t.Channel, "err", err)
				return
			}
			e.log.Warn("save turn: retrying", "mode", string(t.Mode), "err", err)
			select {
			case <-sctx.Done():
			case <-time.After(wait):
			}
			wait = min(2*wait, 5*time.Second)
		}
	})
}

// Close waits, until ctx is done, for the turns still being saved, then stops the
// background work. Call it before closing the store.
func (e *Engine) Close(ctx context.Context) {
	if e.stopWatch != nil {
		e.stopWatch()
	}
	done := make(chan struct{})
	go func() {
		e.bgWork.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		e.bgCancel()
		<-done
	}
	e.bgCancel()
}
