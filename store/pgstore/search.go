package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"
	"golang.org/x/sync/errgroup"
)

var (
	_ retrieval.Searcher = (*Store)(nil)
	_ retrieval.Index    = (*Store)(nil)
)

// Search finds documents with retrieval.Search, this store finding the candidates.
// A search holds one connection from its first step to its last: under load it
// waits for the pool once, not once a step (words, candidates, load), and a
// search that has started is not left half done behind the others' steps. The
// connection is taken at the first step, after the question is embedded (a remote
// embedder's call holds no connection).
func (s *Store) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	o := &onConn{s: s}
	defer o.release()
	hits, err := retrieval.Search(ctx, o, q)
	if err != nil {
		return nil, fmt.Errorf("pgstore: search: %w", err)
	}
	return hits, nil
}

// queryDB is what a search step needs of the pool or of a connection held from it.
type queryDB interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// onConn is the store's retrieval.Index on one connection, taken at the first step
// (Search). retrieval.Search calls its steps one after another.
type onConn struct {
	s *Store
	c *pgxpool.Conn
}

func (o *onConn) conn(ctx context.Context) (*pgxpool.Conn, error) {
	if o.c == nil {
		c, err := o.s.pool.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		o.c = c
	}
	return o.c, nil
}

func (o *onConn) release() {
	if o.c != nil {
		o.c.Release()
	}
}

func (o *onConn) Embedder() (retrieval.QueryEmbedder, string) { return o.s.Embedder() }

func (o *onConn) Words(ctx context.Context, words, misspelt []string) (retrieval.Vocabulary, error) {
	// Only when the kept counts do not answer it all.
	return o.s.words(ctx, func(ctx context.Context) (queryDB, error) { return o.conn(ctx) }, words, misspelt)
}

func (o *onConn) Candidates(ctx context.Context, legs []retrieval.Leg, f retrieval.Filter) ([][]retrieval.DocRef, error) {
	c, err := o.conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	return o.s.candidates(ctx, c, legs, f)
}

func (o *onConn) Load(ctx context.Context, refs []retrieval.DocRef, f retrieval.Filter) ([]retrieval.Hit, error) {
	c, err := o.conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return o.s.load(ctx, c, refs, f)
}

// Embedder is the embedder of the store's vectors and its name.
func (s *Store) Embedder() (retrieval.QueryEmbedder, string) { return s.embedder, s.info.Name }

// Words tells how many chunks hold each word and, for the misspelt words no chunk
// holds, the stored words near them (retrieval.Index): at most one round trip, none
// when every word was asked since the last sync (vocab.go).
func (s *Store) Words(ctx context.Context, words, misspelt []string) (retrieval.Vocabulary, error) {
	return s.words(ctx, func(context.Context) (queryDB, error) { return s.pool, nil }, words, misspelt)
}

// words is Words on the database db gives, asked only when needed.
func (s *Store) words(ctx context.Context, db func(context.Context) (queryDB, error), words, misspelt []string) (retrieval.Vocabulary, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	v := retrieval.Vocabulary{Freq: map[string]int{}, Near: map[string][]retrieval.WordFreq{}}
	words, misspelt = cleanFilter(words), cleanFilter(misspelt)
	askWords, askNear, askChunks, epoch, cached := s.vocab.lookup(&v, words, misspelt)
	if len(askWords) == 0 && len(askNear) == 0 && !askChunks {
		return v, nil
	}
	b := &pgx.Batch{}
	if askChunks {
		b.Queue(`SELECT coalesce(max(value::bigint) FILTER (WHERE name = 'chunks'), 0) FROM settings`).QueryRow(func(r pgx.Row) error {
			return r.Scan(&v.Chunks)
		})
	}
	if len(askWords) > 0 {
		b.Queue(`SELECT word, ndoc FROM lexemes WHERE word = ANY($1)`, askWords).Query(func(rows pgx.Rows) error {
			var w string
			var n int
			_, err := pgx.ForEachRow(rows, []any{&w, &n}, func() error {
				v.Freq[w] = n
				return nil
			})
			return err
		})
	}
	if len(askNear) > 0 {
		const near = `SELECT w.q, l.word, l.ndoc FROM unnest($1::text[]) AS w(q)
			JOIN lexemes l ON left(l.word, 2) = left(w.q, 2) AND length(l.word) BETWEEN length(w.q) - 2 AND length(w.q) + 2
			WHERE NOT EXISTS (SELECT 1 FROM lexemes x WHERE x.word = w.q)`
		b.Queue(near, askNear).Query(func(rows pgx.Rows) error {
			var w string
			var c retrieval.WordFreq
			_, err := pgx.ForEachRow(rows, []any{&w, &c.Word, &c.Freq}, func() error {
				v.Near[w] = append(v.Near[w], c)
				return nil
			})
			return err
		})
	}
	on, err := db(ctx)
	if err != nil {
		return retrieval.Vocabulary{}, fmt.Errorf("words: %w", err)
	}
	if err := on.SendBatch(ctx, b).Close(); err != nil {
		return retrieval.Vocabulary{}, fmt.Errorf("words: %w", err)
	}
	if cached {
		s.vocab.keep(epoch, v, askWords, askNear, askChunks)
	}
	return v, nil
}

// The documents a search admits: $2 statuses, $3 datasets (NULL: all).
const filter = `d.status = ANY($2) AND ($3::text[] IS NULL OR d.dataset = ANY($3))`

// byKey is the tie-break of every leg (retrieval.DocRef.Compare): bytewise, as Go
// compares strings.
const byKey = `d.key COLLATE "C", d.dataset COLLATE "C"`

// The query of each leg kind, in the order retrieval.LegKind documents. Each takes
// its input as $1, the filter as $2 and $3, its limit as $4, and returns the
// dataset and key of the documents found, best first.
var legSQL = map[retrieval.LegKind]string{
	// Nearest first from the HNSW index (hnsw.iterative_scan keeps a filtered scan
	// returning enough rows, in a relaxed order that the outer query puts right).
	retrieval.LegDense: `WITH n AS MATERIALIZED (
			SELECT d.dataset, d.key, c.embedding <=> $1 AS dist FROM chunks c JOIN documents d ON d.id = c.document_id
			WHERE ` + filter + ` ORDER BY c.embedding <=> $1 LIMIT $4)
		SELECT d.dataset, d.key FROM n d ORDER BY d.dist, ` + byKey,
	retrieval.LegAllTerms: `SELECT d.dataset, d.key FROM chunks c JOIN documents d ON d.id = c.document_id, to_tsquery('simple', $1) AS q
		WHERE c.tsv @@ q AND ` + filter + ` ORDER BY ts_rank(c.tsv, q) DESC, ` + byKey + ` LIMIT $4`,
	// Scores summed in the order of the concepts' labels, so that equal documents
	// get equal scores on every run. $5 labels the words of $1, $6 weighs them. Each
	// word's query is made once (t materialized), not again at every chunk and title
	// it is matched against; the dataset and key ride along from the first join to
	// the documents (no second lookup of each document scored).
	retrieval.LegWeighted: `WITH t AS MATERIALIZED (
			SELECT w.word, w.concept, w.idf, to_tsquery('simple', w.word) AS q
			FROM unnest($1::text[], $5::text[], $6::float8[]) AS w(word, concept, idf)),
		m AS (
			SELECT d.id, d.dataset, d.key, t.concept, max(t.idf) AS idf, max(CASE WHEN d.title_tsv @@ t.q THEN 2 ELSE 1 END) AS w FROM t
			JOIN chunks c ON c.tsv @@ t.q
			JOIN documents d ON d.id = c.document_id
			WHERE ` + filter + `
			GROUP BY d.id, t.concept)
		SELECT d.dataset, d.key FROM m d GROUP BY d.id, d.dataset, d.key
		ORDER BY sum(d.w * d.idf ORDER BY d.concept COLLATE "C") DESC, ` + byKey + ` LIMIT $4`,
	// A generic name is on thousands of licences: valid licences first, then the
	// shortest passages naming it (the product is mostly that name), in the order of
	// the narrow drug_words index (word, cancelled, length, key), which breaks ties
	// without reading the documents.
	retrieval.LegDrugWords: `SELECT d.dataset, d.key FROM unnest($1::text[]) AS n(word) CROSS JOIN LATERAL (
			SELECT w.status = 'cancelled' AS cancelled, w.len, d.dataset, d.key FROM drug_words w JOIN documents d ON d.id = w.document_id
			WHERE w.word = n.word AND d.dataset = 'tfda_drug' AND ` + filter + `
			ORDER BY w.status = 'cancelled', w.len, w.key COLLATE "C" LIMIT $4) d
		ORDER BY d.cancelled, d.len, ` + byKey + ` LIMIT $4`,
	// Common colours and shapes match thousands of pills alike: ranking them is wasted
	// work, the other legs order them. The matching chunks are gathered first (the
	// GIN index), then cut: with a bare LIMIT the planner reads the table in order
	// hoping to meet enough matches soon, and a colour the pills of one maker share
	// sits in one stretch of it (290 ms).
	retrieval.LegAppearance: `WITH m AS MATERIALIZED (SELECT c.document_id FROM chunks c, to_tsquery('simple', $1) AS q WHERE c.tsv @@ q)
		SELECT d.dataset, d.key FROM m JOIN documents d ON d.id = m.document_id
		WHERE d.dataset = 'tfda_drug' AND ` + filter + ` ORDER BY ` + byKey + ` LIMIT $4`,
	retrieval.LegImprint: `SELECT d.dataset, d.key FROM chunks c JOIN documents d ON d.id = c.document_id, to_tsquery('simple', $1) AS q
		WHERE c.tsv @@ q AND d.dataset = 'tfda_drug' AND ` + filter + ` ORDER BY ts_rank(c.tsv, q) DESC, ` + byKey + ` LIMIT $4`,
	retrieval.LegKey:   `SELECT d.dataset, d.key FROM documents d WHERE d.key = $1 AND ` + filter + ` ORDER BY ` + byKey + ` LIMIT $4`,
	retrieval.LegTitle: `SELECT d.dataset, d.key FROM documents d WHERE d.title = $1 AND ` + filter + ` ORDER BY ` + byKey + ` LIMIT $4`,
	// One probe of the name index per span: with = ANY of a long question's hundreds
	// of spans the planner expects most licences to match.
	retrieval.LegName: `SELECT d.dataset, d.key FROM unnest($1::text[]) AS n(name) CROSS JOIN LATERAL (
			SELECT d.dataset, d.key, d.status, d.title FROM documents d
			WHERE d.dataset = 'tfda_drug' AND d.name = n.name AND ` + filter + `
			ORDER BY d.status = 'cancelled', char_length(d.title), ` + byKey + ` LIMIT $4) d
		ORDER BY char_length(n.name) DESC, d.status = 'cancelled', char_length(d.title), ` + byKey + ` LIMIT $4`,
	retrieval.LegSerial: `SELECT d.dataset, d.key FROM documents d WHERE d.serial = ANY($1) AND d.dataset = 'tfda_drug' AND ` + filter + `
		ORDER BY position(d.key_prefix in $5) = 0, ` + byKey + ` LIMIT $4`,
}

// exactDense is LegDense's query as an exact scan of every chunk (Store.ExactDense).
const exactDense = `SELECT d.dataset, d.key FROM chunks c JOIN documents d ON d.id = c.document_id
	WHERE ` + filter + ` ORDER BY (c.embedding <=> $1) + 0, ` + byKey + ` LIMIT $4`

// args are the arguments of a leg's query after the filter and the limit ($5 on).
func (s *Store) legArgs(l retrieval.Leg) (sql string, first any, rest []any, err error) {
	sql, ok := legSQL[l.Kind]
	if !ok {
		return "", nil, nil, fmt.Errorf("leg kind %d unknown", l.Kind)
	}
	switch l.Kind {
	case retrieval.LegDense:
		if s.ExactDense {
			sql = exactDense
		}
		return sql, pgvector.NewHalfVector(l.Vector), nil, nil
	case retrieval.LegAllTerms, retrieval.LegAppearance:
		return sql, cleanText(strings.Join(l.Words, " & ")), nil, nil
	case retrieval.LegImprint:
		q := strings.Join(l.Words, " | ")
		if len(l.With) > 0 {
			q = strings.Join(l.With, " & ") + " & (" + q + ")"
		}
		return sql, cleanText(q), nil, nil
	case retrieval.LegWeighted:
		return sql, cleanFilter(l.Words), []any{cleanFilter(l.Concepts), l.IDF}, nil
	case retrieval.LegKey, retrieval.LegTitle:
		return sql, cleanText(l.Text), nil, nil
	case retrieval.LegSerial:
		return sql, cleanFilter(l.Words), []any{cleanText(l.Text)}, nil
	}
	return sql, cleanFilter(l.Words), nil, nil
}

// legGroups is how many connections one search uses at most: its legs run in that many
// batches at once, one round trip each, so that a search takes about as
// long as its slowest leg rather than all of them in turn (when connections are free).
const legGroups = 3

// Candidates runs the legs and returns the documents each found, in its order.
func (s *Store) Candidates(ctx context.Context, legs []retrieval.Leg, f retrieval.Filter) ([][]retrieval.DocRef, error) {
	return s.candidates(ctx, s.pool, legs, f)
}

// searchSettings are the settings of a batch of legs, for its implicit transaction,
// in one statement (%d: hnsw.ef_search, a number made in Go: a statement without
// parameters is planned once per connection, where one with a parameter took
// 0.3 ms to plan each time). hnsw.iterative_scan keeps a filtered scan of the HNSW
// index returning enough rows. Searches are short: compiling a plan with JIT, which
// the planner's cost of a long question's many name probes triggers, took 180 ms for
// 2 ms of work.
//
// Every leg but the dense one is planned once per connection (a generic plan): its
// rows are fully ordered (score or length, then the key), so that any plan returns
// the same ones, and its plan does not depend on the values (the indexes to probe
// are those of its columns; the words' counts, which the planner would estimate
// from statistics at every use, took 0.4–1.4 ms to plan a keyword leg). The dense
// leg is planned for its own values (denseSettings): with its limit unknown, a
// generic plan may scan every chunk exactly rather than walk the HNSW index, and
// return other neighbours.
const searchSettings = `SELECT set_config('plan_cache_mode', 'force_generic_plan', true),
	set_config('hnsw.iterative_scan', 'relaxed_order', true),
	set_config('work_mem', '32MB', true),
	set_config('jit', 'off', true),
	set_config('hnsw.ef_search', '%d', true)`

// denseSettings precede a batch's dense legs, which come last in it.
const denseSettings = `SELECT set_config('plan_cache_mode', 'force_custom_plan', true)`

// candidates runs the legs' first batch on db and, while the pool has connections
// free, the others on connections of their own at the same time.
func (s *Store) candidates(ctx context.Context, db queryDB, legs []retrieval.Leg, f retrieval.Filter) ([][]retrieval.DocRef, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	statuses, datasets := cleanFilter(f.Statuses), cleanFilter(f.Datasets)
	found := make([][]retrieval.DocRef, len(legs))
	// At once only while connections are free: under load, each search in one batch
	// serves more of them (three batches cost three connections their settings and
	// round trips, and the cores are busy anyway).
	on := []queryDB{db}
	if _, held := db.(*pgxpool.Conn); held && len(legs) > 1 {
		// A search holding a connection takes only idle ones besides: searches that
		// each held one and waited for another could wait for one another.
		idle := s.pool.AcquireAllIdle(ctx)
		for i, c := range idle {
			if i < legGroups-1 {
				on = append(on, c)
				defer c.Release()
			} else {
				c.Release()
			}
		}
	} else if st := s.pool.Stat(); !held && st.MaxConns()-st.AcquiredConns() >= legGroups+1 {
		on = slices.Repeat([]queryDB{s.pool}, legGroups)
	}
	groups := make([][]int, min(len(on), len(legs)))
	for i := range legs {
		groups[i%len(groups)] = append(groups[i%len(groups)], i)
	}
	for _, group := range groups {
		// The dense legs last, after denseSettings.
		slices.SortStableFunc(group, func(a, b int) int {
			return cmpBool(legs[a].Kind == retrieval.LegDense, legs[b].Kind == retrieval.LegDense)
		})
	}
	g, gctx := errgroup.WithContext(ctx)
	for gi, group := range groups {
		g.Go(func() error {
			// One batch is one round trip and one implicit transaction, in which the
			// settings hold.
			b := &pgx.Batch{}
			limit := 0
			for _, i := range group {
				limit = max(limit, legs[i].Limit)
			}
			b.Queue(fmt.Sprintf(searchSettings, max(s.EFSearch, limit)))
			custom := false
			for _, i := range group {
				l := legs[i]
				if l.Kind == retrieval.LegDense && !custom {
					b.Queue(denseSettings)
					custom = true
				}
				sql, first, rest, err := s.legArgs(l)
				if err != nil {
					return err
				}
				b.Queue(sql, append([]any{first, statuses, datasets, l.Limit}, rest...)...).Query(func(rows pgx.Rows) error {
					var r retrieval.DocRef
					_, err := pgx.ForEachRow(rows, []any{&r.Dataset, &r.Key}, func() error {
						found[i] = append(found[i], r)
						return nil
					})
					return err
				})
			}
			return on[gi].SendBatch(gctx, b).Close()
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	return found, nil
}

// Load returns the documents of refs that the filter admits.
func (s *Store) Load(ctx context.Context, refs []retrieval.DocRef, f retrieval.Filter) ([]retrieval.Hit, error) {
	return s.load(ctx, s.pool, refs, f)
}

func (s *Store) load(ctx context.Context, db queryDB, refs []retrieval.DocRef, f retrieval.Filter) ([]retrieval.Hit, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	datasets, keys := make([]string, len(refs)), make([]string, len(refs))
	for i, r := range refs {
		datasets[i], keys[i] = cleanText(r.Dataset), cleanText(r.Key)
	}
	const q = `SELECT d.dataset, d.key, d.title, d.url, d.status, d.snapshot, d.facets, left(d.body, 300)
		FROM unnest($1::text[], $4::text[]) AS r(dataset, key) JOIN documents d ON d.dataset = r.dataset AND d.key = r.key
		WHERE ` + filter
	rows, err := db.Query(ctx, q, datasets, cleanFilter(f.Statuses), cleanFilter(f.Datasets), keys)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	out := []retrieval.Hit{}
	var (
		h        retrieval.Hit
		snapshot *time.Time
		facets   []byte
	)
	if _, err := pgx.ForEachRow(rows, []any{&h.Dataset, &h.Key, &h.Title, &h.URL, &h.Status, &snapshot, &facets, &h.Snippet}, func() error {
		hit := h
		hit.Snapshot = deref(snapshot)
		if len(facets) > 0 {
			if err := json.Unmarshal(facets, &hit.Facets); err != nil {
				return err
			}
		}
		out = append(out, hit)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return out, nil
}

// cleanFilter makes filter values safe to send: they are compared as text, but the
// database refuses invalid UTF-8 and NUL. nil means no filter.
func cleanFilter(vs []string) []string {
	var out []string
	for _, v := range vs {
		out = append(out, cleanText(v))
	}
	return out
}

// cleanText makes any string storable as PostgreSQL text, which holds neither invalid
// UTF-8 nor NUL.
func cleanText(v string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "\uFFFD")
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
