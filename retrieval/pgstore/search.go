package pgstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

var _ retrieval.Searcher = (*Store)(nil)

// candidates is how many chunks each leg of a hybrid search contributes before fusion.
const candidates = 40

// rrfK is the constant of reciprocal rank fusion.
const rrfK = 60

// Search finds documents by meaning (pgvector HNSW, cosine), by keywords (tsvector of
// Go-made tokens) and by exact key or title, fused by reciprocal rank.
func (s *Store) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	text := strings.TrimSpace(q.Text)
	if utf8.RuneCountInString(text) > retrieval.MaxQueryRunes {
		text = string([]rune(text)[:retrieval.MaxQueryRunes])
	}
	k := cmp.Or(q.K, retrieval.DefaultK)
	k = min(max(k, 1), 100)
	if text == "" {
		return []retrieval.Hit{}, nil
	}
	statuses := q.Statuses
	if len(statuses) == 0 {
		statuses = []string{"active", "cancelled"}
	}
	var datasets []string
	if len(q.Datasets) > 0 {
		datasets = q.Datasets
	}
	vec, err := s.embedder.EmbedQuery(ctx, text)
	if err != nil {
		return nil, fmt.Errorf("pgstore: search: embed query: %w", err)
	}
	tokens := retrieval.Tokens(text)
	tsq := strings.Join(tokens, " | ")

	scores := map[int64]float64{}
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`SET LOCAL hnsw.iterative_scan = relaxed_order`)
		b.Queue(fmt.Sprintf(`SET LOCAL hnsw.ef_search = %d`, max(s.EFSearch, candidates)))
		const dense = `SELECT c.document_id FROM chunks c JOIN documents d ON d.id = c.document_id
			WHERE d.status = ANY($2) AND ($3::text[] IS NULL OR d.dataset = ANY($3))
			ORDER BY c.embedding <=> $1 LIMIT $4`
		b.Queue(dense, pgvector.NewHalfVector(vec), statuses, datasets, candidates)
		if tsq != "" {
			// PostgreSQL's ranking has no inverse document frequency, so chunks that
			// hold every query token come first, then those that hold any.
			const kw = `(SELECT c.document_id, 0 AS tier, ts_rank(c.tsv, q) AS rank, c.id FROM chunks c JOIN documents d ON d.id = c.document_id,
					to_tsquery('simple', $5) AS q
					WHERE c.tsv @@ q AND d.status = ANY($2) AND ($3::text[] IS NULL OR d.dataset = ANY($3))
					ORDER BY rank DESC, c.id LIMIT $4)
				UNION ALL
				(SELECT c.document_id, 1, ts_rank(c.tsv, q) AS rank, c.id FROM chunks c JOIN documents d ON d.id = c.document_id,
					to_tsquery('simple', $1) AS q
					WHERE c.tsv @@ q AND d.status = ANY($2) AND ($3::text[] IS NULL OR d.dataset = ANY($3))
					ORDER BY rank DESC, c.id LIMIT $4)
				ORDER BY tier, rank DESC, id`
			b.Queue(kw, tsq, statuses, datasets, candidates, strings.Join(tokens, " & "))
		}
		const exact = `SELECT id FROM documents
			WHERE (key = $1 OR title = $1) AND status = ANY($2) AND ($3::text[] IS NULL OR dataset = ANY($3)) LIMIT 20`
		b.Queue(exact, text, statuses, datasets)
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		for range 2 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		legs := 2
		if tsq != "" {
			legs = 3
		}
		for leg := range legs {
			rows, err := br.Query()
			if err != nil {
				return err
			}
			seen := map[int64]bool{}
			rank := 0
			var id, cid int64
			var tier int
			var tsRank float32
			dest := []any{&id}
			if tsq != "" && leg == 1 {
				dest = []any{&id, &tier, &tsRank, &cid}
			}
			if _, err := pgx.ForEachRow(rows, dest, func() error {
				if seen[id] {
					return nil
				}
				seen[id] = true
				rank++
				switch {
				case leg == legs-1: // exact key or title
					scores[id] += 1
				case tier == 0 && leg == 1 && len(tokens) > 1:
					// Every query token in one chunk: weighted as two legs.
					scores[id] += 2 / float64(rrfK+rank)
				default:
					scores[id] += 1 / float64(rrfK+rank)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return br.Close()
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: search: %w", err)
	}
	return s.hits(ctx, scores, k)
}

// hits loads the best k documents of scores, cancelled licences ranked below valid ones.
func (s *Store) hits(ctx context.Context, scores map[int64]float64, k int) ([]retrieval.Hit, error) {
	if len(scores) == 0 {
		return []retrieval.Hit{}, nil
	}
	ids := make([]int64, 0, len(scores))
	for id := range scores {
		ids = append(ids, id)
	}
	const q = `SELECT id, dataset, key, title, url, status, snapshot, facets, left(body, 300) FROM documents WHERE id = ANY($1)`
	rows, err := s.pool.Query(ctx, q, ids)
	if err != nil {
		return nil, fmt.Errorf("pgstore: search: load: %w", err)
	}
	var out []retrieval.Hit
	var (
		id       int64
		h        retrieval.Hit
		snapshot *time.Time
		facets   []byte
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &h.Dataset, &h.Key, &h.Title, &h.URL, &h.Status, &snapshot, &facets, &h.Snippet}, func() error {
		hit := h
		hit.Snapshot = deref(snapshot)
		hit.Score = scores[id]
		if hit.Status == "cancelled" && hit.Score < 1 {
			hit.Score /= 2
		}
		if len(facets) > 0 {
			if err := json.Unmarshal(facets, &hit.Facets); err != nil {
				return err
			}
		}
		out = append(out, hit)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("pgstore: search: load: %w", err)
	}
	slices.SortFunc(out, func(a, b retrieval.Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out[:min(k, len(out))], nil
}
