// Package memstore is the embedded store: what civicbot keeps when no DATABASE_URL is
// set, in one file under a data directory, with no server and no C toolchain.
//
// It holds what store/pgstore holds (sources, records, documents, chunks with
// their embeddings, ingest runs, conversation turns, curated answers, feedback, LINE
// event ids) in a bbolt file, dir/civicbot.db, and answers the same questions the
// same way: it passes the same conformance suites (retrievaltest, conversationtest), and it
// searches through the same retrieval.Search, finding the candidates of each leg in
// the order its retrieval.LegKind documents (store/paritytest checks that both
// stores give the same answers).
//
// Durability comes from bbolt: every change is one transaction, committed with an
// fsync before the call returns, so an acknowledged write survives a crash, and a
// crash in the middle of a write leaves the previous state. What search needs is held
// in memory, rebuilt from the file at Open and updated after each sync commits:
// document metadata, every chunk's embedding (searched exactly, by brute force) and a
// positional inverted index of the keyword tokens, for the ts_rank order that
// retrieval.LegAllTerms and LegImprint state. Readers use an immutable snapshot of that index, swapped
// atomically after a sync commits: they see the old data or the new, never a mix.
//
// One process opens the file at a time (bbolt takes a file lock; Open returns
// ErrLocked when another holds it): stop `civicbot serve` before running `civicbot
// ingest` on the same data directory. Backup copies the file while it serves.
package memstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/tmc/langchaingo/embeddings"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the store's file inside its directory.
const FileName = "civicbot.db"

// schemaVersion is the layout of the file (see the buckets below); a file of another
// version is refused rather than misread.
const schemaVersion = 1

// MaxDim is the largest embedding dimension the store accepts, as pgstore.
const MaxDim = 4000

// batchDelay is how long a small write waits for others to share its commit.
const batchDelay = 2 * time.Millisecond

// pageSize is the page size of a new file: a chunk with its vector takes about 2 KiB,
// which 4 KiB pages hold one at a time.
const pageSize = 16 << 10

// initialMmap is the address space mapped for the file on 64-bit systems.
const initialMmap = 1 << 30

// openTimeout is how long Open waits for another process to release the file.
const openTimeout = 3 * time.Second

// EmbedderInfo names the embedder whose vectors the store holds.
type EmbedderInfo struct {
	Name string
	Dim  int
}

// ErrEmbedderMismatch is returned when the stored vectors come from another embedder.
var ErrEmbedderMismatch = errors.New("embedder mismatch")

// ErrLocked is returned by Open when another process holds the file: bbolt takes a
// file lock, and one process opens the store at a time.
var ErrLocked = errors.New("memstore: the store is open in another process")

// ErrClosed is returned by a store that has been closed.
var ErrClosed = errors.New("memstore: closed")

// Buckets of the file. Composite keys are length-prefixed strings (see appendKey), so
// that a prefix of components selects a range; times in keys are big-endian biased
// microseconds (see appendTime), which sort as the times do.
var (
	bucketMeta      = []byte("meta")            // name → value: schema, embedder, dimension
	bucketSources   = []byte("sources")         // name → sourceRow
	bucketRecords   = []byte("records")         // (source, dataset, key, facet) → recordRow
	bucketRecDocs   = []byte("record_docs")     // (dataset, key, source, facet) → ""
	bucketDocuments = []byte("documents")       // (dataset, key) → docRow
	bucketBodies    = []byte("bodies")          // (dataset, key) → body text
	bucketChunks    = []byte("chunks")          // chunk id → chunk (see encodeChunk)
	bucketRuns      = []byte("ingest_runs")     // run id → runRow
	bucketMessages  = []byte("messages")        // message id → turnRow
	bucketSessions  = []byte("message_session") // (session) time id → ""
	bucketTimes     = []byte("message_time")    // time id → ""
	bucketCurated   = []byte("curated_answers") // id → curatedRow
	bucketFeedback  = []byte("feedback")        // message id → feedbackRow
	bucketLine      = []byte("line_events")     // webhook event id → time
	bucketOutbox    = []byte("line_outbox")     // sequence number → outboxRow (see outbox.go)
	bucketOutboxIDs = []byte("line_outbox_ids") // webhook event id → sequence number
	bucketAccounts  = []byte("staff_accounts")  // account id → staff.Account
	bucketEmails    = []byte("staff_emails")    // e-mail → account id
	bucketCreds     = []byte("staff_creds")     // secret hash → staff.Credential
	bucketAudit     = []byte("audit_log")       // sequence (big-endian) → staff.Entry
	bucketReviewed  = []byte("review_marks")    // message id → reviewRow
	bucketDaily     = []byte("daily_counts")    // day, channel, mode, rating → count of purged turns (uint64)
	bucketFlags     = []byte("document_flags")  // (dataset, key) → flagRow
	bucketSynonyms  = []byte("staff_synonyms")  // group id → retrieval.StaffSynonym (JSON)
	allBuckets      = [][]byte{bucketMeta, bucketSources, bucketRecords, bucketRecDocs, bucketDocuments, bucketBodies,
		bucketChunks, bucketRuns, bucketMessages, bucketSessions, bucketTimes, bucketCurated, bucketFeedback, bucketLine,
		bucketOutbox, bucketOutboxIDs, bucketAccounts, bucketEmails, bucketCreds, bucketAudit, bucketReviewed, bucketDaily, bucketFlags, bucketSynonyms}
)

const (
	metaSchema   = "schema"
	metaEmbedder = "embedder"
	metaDim      = "embedding_dim"
)

// Store is the embedded store. Its methods are safe for concurrent use.
type Store struct {
	db       *bolt.DB
	embedder embeddings.Embedder
	info     EmbedderInfo
	log      *slog.Logger

	// idx is what search reads: replaced, never changed, after a sync commits.
	idx atomic.Pointer[index]
	// gen counts the indexes published (retrieval.Generational).
	gen atomic.Uint64
	// docMu serialises the changes of documents (Sync, SetStatus): a sync plans from
	// what it read, and nothing else may change that before it commits.
	docMu  sync.Mutex
	closed atomic.Bool
}

// Open opens (creating it if need be) the store in dir, checks that its vectors come
// from the configured embedder (recording it on first use), and loads what search
// needs into memory.
func Open(ctx context.Context, dir string, e embeddings.Embedder, info EmbedderInfo, log *slog.Logger) (*Store, error) {
	start := time.Now()
	db, err := openFile(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, embedder: e, info: info, log: log}
	if err := s.ensureEmbedder(); err != nil {
		db.Close()
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		db.Close()
		return nil, err
	}
	idx, err := s.loadIndex()
	if err != nil {
		db.Close()
		return nil, err
	}
	s.idx.Store(idx)
	log.Debug("embedded store open", "path", db.Path(), "documents", idx.liveDocs, "chunks", idx.liveChunks,
		"duration", time.Since(start))
	return s, nil
}

// openFile opens dir/civicbot.db, creating the directory, the file and its buckets.
func openFile(dir string) (*bolt.DB, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	path := filepath.Join(dir, FileName)
	opts := &bolt.Options{Timeout: openTimeout, FreelistType: bolt.FreelistMapType, PageSize: pageSize}
	if strconv.IntSize == 64 {
		// Address space, not memory: a file that grows within it is not mapped again,
		// which would copy every page a bulk load has changed, and read transactions
		// never hold up a write that grows the file.
		opts.InitialMmapSize = initialMmap
	}
	db, err := bolt.Open(path, 0o600, opts)
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s is held by another civicbot process, such as `civicbot serve` (one process at a time: stop it first, or use PostgreSQL with DATABASE_URL)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("memstore: open %s: %w", path, err)
	}
	// Small writes (turns, feedback) made together share one fsync; alone they wait
	// this long at most for company.
	db.MaxBatchDelay = batchDelay
	if err := setUp(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("memstore: open %s: %w", path, err)
	}
	return db, nil
}

// setUp creates the buckets of a new file and checks the layout version of an old one.
// A file already set up is only read: opening it waits for no disk write.
func setUp(db *bolt.DB) error {
	version := strconv.Itoa(schemaVersion)
	ready := false
	err := db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return nil
		}
		if v := string(meta.Get([]byte(metaSchema))); v != "" && v != version {
			return fmt.Errorf("the file has layout version %s, this civicbot reads version %s: use the civicbot that wrote it, or move the file away", v, version)
		}
		ready = true
		for _, b := range allBuckets {
			ready = ready && tx.Bucket(b) != nil
		}
		return nil
	})
	if err != nil || ready {
		return err
	}
	return db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte(metaSchema), []byte(version))
	})
}

// ensureEmbedder records the embedder on first use; afterwards a different embedder is
// refused, since its vectors are not comparable.
func (s *Store) ensureEmbedder() error {
	var name string
	var dim int
	if err := s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		name = string(meta.Get([]byte(metaEmbedder)))
		dim, _ = strconv.Atoi(string(meta.Get([]byte(metaDim))))
		return nil
	}); err != nil {
		return fmt.Errorf("memstore: read settings: %w", err)
	}
	if name == "" {
		if s.info.Dim <= 0 || s.info.Dim > MaxDim {
			return fmt.Errorf("memstore: embedder %q has an unusable dimension %d", s.info.Name, s.info.Dim)
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			meta := tx.Bucket(bucketMeta)
			if err := meta.Put([]byte(metaEmbedder), []byte(s.info.Name)); err != nil {
				return err
			}
			return meta.Put([]byte(metaDim), []byte(strconv.Itoa(s.info.Dim)))
		})
		if err != nil {
			return fmt.Errorf("memstore: record embedder: %w", err)
		}
		return nil
	}
	if name != s.info.Name || dim != s.info.Dim {
		return fmt.Errorf("memstore: %w: the data directory holds %d-dimension vectors from embedder %q, but the configured embedder %q gives %d dimensions; "+
			"run `civicbot migrate --reembed` to re-embed the stored documents with the configured embedder, or point CIVICBOT_DATA_DIR at a new directory",
			ErrEmbedderMismatch, dim, name, s.info.Name, s.info.Dim)
	}
	return nil
}

// Close releases the file. It is safe to call more than once.
func (s *Store) Close() {
	if s.closed.Swap(true) {
		return
	}
	if err := s.db.Close(); err != nil {
		s.log.Warn("close embedded store", "err", err)
	}
}

// SearchGeneration changes after every change that searches see (a sync, a status
// set): one process owns the file, so the store always knows.
func (s *Store) SearchGeneration() (uint64, bool) { return s.gen.Load(), true }

var _ retrieval.Generational = (*Store)(nil)

// Path is the store's file.
func (s *Store) Path() string { return s.db.Path() }

// Ready reports whether the store is open and its file readable.
func (s *Store) Ready(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta).Get([]byte(metaSchema)) == nil {
			return errors.New("memstore: the file has no schema version")
		}
		return nil
	})
}

// view and update run fn in a read or write transaction of an open store.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return s.db.View(fn)
}

func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return s.db.Update(fn)
}

// appendKey appends the components of a composite key, each as its length (uvarint)
// then its bytes: a key of the first n components is a prefix of the key of more, and
// no component can run into the next.
func appendKey(b []byte, parts ...string) []byte {
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// splitKey returns the first n components of a composite key and what follows them.
func splitKey(k []byte, n int) ([]string, []byte, bool) {
	out := make([]string, 0, n)
	for range n {
		l, w := binary.Uvarint(k)
		if w <= 0 || uint64(len(k)-w) < l {
			return nil, nil, false
		}
		out = append(out, string(k[w:w+int(l)]))
		k = k[w+int(l):]
	}
	return out, k, true
}

// appendTime appends t as microseconds since 1970 (the precision PostgreSQL keeps),
// big-endian with the sign bit flipped, so that keys sort as times do, before 1970 too.
func appendTime(b []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(t.UnixMicro())^(1<<63))
}

func readTime(b []byte) time.Time {
	return time.UnixMicro(int64(binary.BigEndian.Uint64(b) ^ (1 << 63)))
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// prefixEnd returns the smallest key greater than every key that starts with prefix,
// or nil when there is none (the prefix is all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// cleanText makes a string what PostgreSQL's text holds (valid UTF-8, no NUL), so that
// both stores keep the same values.
func cleanText(v string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "\uFFFD")
}

// dateOf is the calendar date of t, as PostgreSQL's date type keeps it: midnight UTC.
func dateOf(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func readU64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// Size reports how many documents and chunks search holds (every status).
func (s *Store) Size() (documents, chunks int) {
	ix := s.idx.Load()
	return ix.liveDocs, ix.liveChunks
}

// Check verifies the file: bbolt's consistency check of its pages, then that every
// document's chunks and body are stored and every chunk and record index entry
// belongs to something. It is what to run after a crash; Open does not need it.
func (s *Store) Check(ctx context.Context) error {
	err := s.view(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		docs := map[uint64]bool{}
		chunks := tx.Bucket(bucketChunks)
		bodies := tx.Bucket(bucketBodies)
		err := tx.Bucket(bucketDocuments).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			row, err := decodeDoc(v)
			if err != nil {
				return fmt.Errorf("document %x: %w", k, err)
			}
			if docs[row.ID] {
				return fmt.Errorf("document id %d is used twice", row.ID)
			}
			docs[row.ID] = true
			if len(row.Chunks) == 0 {
				return fmt.Errorf("document %x has no chunks", k)
			}
			for _, id := range row.Chunks {
				c, err := decodeChunk(chunks.Get(u64(id)))
				if err != nil || c.doc != row.ID {
					return fmt.Errorf("document %x: chunk %d missing or not its own (%v)", k, id, err)
				}
			}
			if bodies.Get(k) == nil {
				return fmt.Errorf("document %x has no body", k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n, m := chunks.Stats().KeyN, countChunks(tx); n != m {
			return fmt.Errorf("%d chunks stored, %d belong to documents", n, m)
		}
		records := tx.Bucket(bucketRecords)
		return tx.Bucket(bucketRecDocs).ForEach(func(k, _ []byte) error {
			parts, _, ok := splitKey(k, 4)
			if !ok || records.Get(appendKey(nil, parts[2], parts[0], parts[1], parts[3])) == nil {
				return fmt.Errorf("record index entry %x has no record", k)
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("memstore: check: %w", err)
	}
	return nil
}

// countChunks counts the chunks the documents list.
func countChunks(tx *bolt.Tx) int {
	n := 0
	_ = tx.Bucket(bucketDocuments).ForEach(func(k, v []byte) error {
		if row, err := decodeDoc(v); err == nil {
			n += len(row.Chunks)
		}
		return nil
	})
	return n
}
