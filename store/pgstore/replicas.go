package pgstore

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// What replicas share through the database beyond the data: rate limits, and word
// that curated answers changed.

// Bucket is one token bucket of a rate limit, shared by every process on the database.
type Bucket struct {
	// Key names the bucket (a scope and a session or an address); only its SHA-256
	// is stored.
	Key       string
	PerSecond float64 // tokens added a second
	Burst     int     // tokens a full bucket holds
}

// rateSweepEvery is how often a store deletes the buckets that are full again (no
// different from no bucket), so that the table holds only the last minutes' clients.
const rateSweepEvery = time.Minute

// TakeTokens takes one token from every bucket, or from none when any is empty, and
// returns for each bucket, in order, how long until it has a token again (0 for one
// that had a token). The buckets are updated by one upsert that computes the refill
// on the locked row, with the database's clock, so that replicas racing for the same
// bucket never both get its last token.
func (s *Store) TakeTokens(ctx context.Context, bs []Bucket) ([]time.Duration, error) {
	if len(bs) == 0 {
		return nil, nil
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	keys := make([][]byte, len(bs))
	rates := make([]float64, len(bs))
	bursts := make([]float64, len(bs))
	index := make(map[[sha256.Size]byte]int, len(bs))
	for i, b := range bs {
		if b.PerSecond <= 0 || b.Burst < 1 {
			return nil, fmt.Errorf("pgstore: take tokens: bucket %d: want a positive rate and a burst of at least 1", i)
		}
		h := sha256.Sum256([]byte(b.Key))
		keys[i], rates[i], bursts[i] = h[:], b.PerSecond, float64(b.Burst)
		index[h] = i
	}
	// Rows are locked in key order, the same in every request: two requests that
	// share two buckets cannot deadlock.
	const refill = `least(excluded.burst, b.tokens + excluded.rate * greatest(0, extract(epoch FROM excluded.at - b.at)))`
	const q = `INSERT INTO rate_buckets AS b (key, tokens, rate, burst, at, ok)
		SELECT k.key, k.burst - 1, k.rate, k.burst, now(), true
		FROM unnest($1::bytea[], $2::float8[], $3::float8[]) AS k(key, rate, burst)
		ORDER BY k.key
		ON CONFLICT (key) DO UPDATE SET
			tokens = ` + refill + ` - CASE WHEN ` + refill + ` >= 1 THEN 1 ELSE 0 END,
			ok = ` + refill + ` >= 1,
			rate = excluded.rate, burst = excluded.burst, at = excluded.at
		RETURNING b.key, b.ok, b.tokens, b.rate`
	rows, err := s.pool.Query(ctx, q, keys, rates, bursts)
	if err != nil {
		return nil, writeError("take tokens", err)
	}
	wait := make([]time.Duration, len(bs))
	var (
		key    []byte
		ok     bool
		tokens float64
		rate   float64
		taken  [][]byte
	)
	if _, err := pgx.ForEachRow(rows, []any{&key, &ok, &tokens, &rate}, func() error {
		i, found := index[[sha256.Size]byte(key)]
		if !found {
			return fmt.Errorf("unexpected bucket %x", key)
		}
		if ok {
			taken = append(taken, append([]byte(nil), key...))
			return nil
		}
		wait[i] = max(time.Millisecond, time.Duration((1-tokens)/rate*float64(time.Second)))
		return nil
	}); err != nil {
		return nil, writeError("take tokens", err)
	}
	if len(taken) < len(bs) && len(taken) > 0 {
		// Refused: give back what the other buckets gave, as the in-process limiter
		// does, so that a refused request costs nothing.
		const back = `UPDATE rate_buckets SET tokens = least(burst, tokens + 1) WHERE key = ANY($1)`
		if _, err := s.pool.Exec(ctx, back, taken); err != nil {
			return nil, writeError("give tokens back", err)
		}
	}
	s.sweepBuckets(ctx)
	return wait, nil
}

// sweepBuckets deletes, at most every rateSweepEvery per process, the buckets that
// have refilled: they are no different from none.
func (s *Store) sweepBuckets(ctx context.Context) {
	now := time.Now().UnixNano()
	next := s.rateSweep.Load()
	if now < next || !s.rateSweep.CompareAndSwap(next, now+int64(rateSweepEvery)) {
		return
	}
	const q = `DELETE FROM rate_buckets WHERE at < now() - make_interval(secs => burst / rate)`
	if _, err := s.pool.Exec(ctx, q); err != nil {
		s.log.Warn("rate limits: sweep", "err", err)
	}
}

// curatedChannel is where the database announces a change of curated answers (a
// trigger, migration 00015).
const curatedChannel = "civicbot_curated"

// WatchCurated calls changed each time curated answers change, in this process or
// any other on the database, until ctx ends. It holds a connection of its own,
// LISTENing; when that connection is lost it connects again and calls changed, since
// what was announced meanwhile was lost.
func (s *Store) WatchCurated(ctx context.Context, changed func()) {
	s.watch(ctx, curatedChannel, "curated answers", changed)
}

// watch calls changed each time the database announces a change on channel, and when
// it connects (again), until ctx ends or the store closes.
func (s *Store) watch(ctx context.Context, channel, what string, changed func()) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		err := s.listen(ctx, channel, changed)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn(what+": listening for changes; trying again", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (s *Store) listen(ctx context.Context, channel string, changed func()) error {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// Out of the pool: a connection that LISTENs is no longer an ordinary one.
	conn := pc.Hijack()
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	// The same connection hears of ingests, for the vocabulary cache (vocab.go): it
	// is current while some connection listens.
	if _, err := conn.Exec(ctx, "LISTEN "+channel+"; LISTEN "+corpusChannel); err != nil {
		return err
	}
	s.vocab.listening(true)
	s.gen.Add(1)
	defer func() {
		s.vocab.listening(false)
		s.gen.Add(1)
	}()
	// Anything changed before LISTEN took effect.
	changed()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel == corpusChannel {
			// Documents changed (a status, a sync's rows), or the lexemes were
			// recounted: kept searches are forgotten; word counts only at a recount.
			s.gen.Add(1)
			if n.Payload != documentsChanged {
				s.vocab.reset()
			}
			continue
		}
		changed()
	}
}
