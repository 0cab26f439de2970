package pgstore

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/civicbot/civicbot/retrieval"
)

// What a search asks of the vocabulary (how many passages hold a word, the stored
// words near a misspelt one, how many passages there are) changes only when a sync
// recounts the lexemes. Each answer asked it again, one round trip and three
// statements; the store now keeps what it was told until the next recount, which
// every process on the database hears of (corpusChannel).

// corpusChannel is where a sync announces, at its commit, that the lexemes were
// recounted (refreshLexemes).
const corpusChannel = "civicbot_corpus"

// documentsChanged is the payload of corpusChannel when documents changed (a status
// set, a proposal approved, a flag released, a sync committed), which leaves the word
// counts as they were.
const documentsChanged = "documents"

// announceDocuments tells every process, at the commit of tx, that documents changed
// (SearchGeneration).
func announceDocuments(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_notify('`+corpusChannel+`', '`+documentsChanged+`')`)
	return err
}

// SearchGeneration changes after every change of what searches read (documents, their
// statuses, the passages) made by this store, and when another process's change is
// announced. ok is false while no connection listens for those announcements (the
// command line, a lost connection): nothing a search found may then be kept.
func (s *Store) SearchGeneration() (gen uint64, ok bool) {
	gen = s.gen.Load()
	return gen, s.vocab.current()
}

var _ retrieval.Generational = (*Store)(nil)

// current says whether some connection listens on corpusChannel.
func (c *vocabCache) current() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.valid
}

// maxVocabWords bounds the words remembered; past it the cache starts again.
const maxVocabWords = 200_000

// vocabCache remembers Words' answers while it is known to be current: only while
// the store listens on corpusChannel (WatchCurated's connection does), and only
// answers asked after the last announcement (epoch). A store that nobody watches
// (the command line, ingest) asks the database every time, as before.
type vocabCache struct {
	mu        sync.Mutex
	listeners int    // connections listening on corpusChannel
	valid     bool   // listeners > 0
	epoch     uint64 // bumped by every reset: an answer asked before it is not kept
	chunks    int
	freq      map[string]int
	near      map[string][]retrieval.WordFreq // misspelt word → stored words near it (nil: none)
}

// reset forgets everything: the lexemes were recounted.
func (c *vocabCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clear()
}

// listening counts a connection that starts (on) or stops listening on
// corpusChannel. Either way what was kept is forgotten: announcements may have been
// missed before the first started, or while none listens.
func (c *vocabCache) listening(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if on {
		c.listeners++
	} else {
		c.listeners--
	}
	c.valid = c.listeners > 0
	c.clear()
}

func (c *vocabCache) clear() {
	c.epoch, c.chunks = c.epoch+1, -1
	c.freq, c.near = map[string]int{}, map[string][]retrieval.WordFreq{}
}

// lookup fills v from the cache and returns the words and misspelt words it does not
// know, and the epoch to keep the store's answer under; ok is false when the cache
// is not current.
func (c *vocabCache) lookup(v *retrieval.Vocabulary, words, misspelt []string) (wantWords, wantNear []string, chunks bool, epoch uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid {
		return words, misspelt, true, 0, false
	}
	for _, w := range words {
		if n, found := c.freq[w]; found {
			if n > 0 {
				v.Freq[w] = n
			}
		} else {
			wantWords = append(wantWords, w)
		}
	}
	for _, w := range misspelt {
		if near, found := c.near[w]; found {
			if len(near) > 0 {
				v.Near[w] = near
			}
		} else {
			wantNear = append(wantNear, w)
		}
	}
	if c.chunks >= 0 {
		v.Chunks = c.chunks
	}
	return wantWords, wantNear, c.chunks < 0, c.epoch, true
}

// keep remembers the store's answer about words and misspelt (asked under epoch).
func (c *vocabCache) keep(epoch uint64, v retrieval.Vocabulary, words, misspelt []string, chunks bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid || epoch != c.epoch {
		return
	}
	if len(c.freq)+len(c.near)+len(words)+len(misspelt) > maxVocabWords {
		c.freq, c.near, c.chunks = map[string]int{}, map[string][]retrieval.WordFreq{}, -1
	}
	for _, w := range words {
		c.freq[w] = v.Freq[w]
	}
	for _, w := range misspelt {
		c.near[w] = v.Near[w]
	}
	if chunks {
		c.chunks = v.Chunks
	}
}
