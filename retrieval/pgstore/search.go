package pgstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/civicbot/civicbot/retrieval"
	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"golang.org/x/sync/errgroup"
)

var _ retrieval.Searcher = (*Store)(nil)

// Query tokens found in more than maxDocShare of the chunks, or in more than 500
// of them (in the weighted leg's SQL), are left to the other legs: they add little and
// cost much.
const maxDocShare = 0.05

// candidates is how many chunks each leg of a hybrid search contributes before fusion.
const candidates = 40

// leg is one way of finding candidates; its ranked document ids are fused by
// reciprocal rank (weight/(RRFK+rank)), or, when flat is set, each found document
// scores weight: an exact key is evidence no ranking should outweigh.
type leg struct {
	name   string // evidence it gives: one of the retrieval.Evidence constants
	sql    string
	args   []any
	weight float64
	flat   bool
	// names is set for legs that match a document's key: a query that names a
	// cancelled licence wants that licence, not the valid one of the same name.
	names bool
}

// Search finds documents by meaning (pgvector HNSW, cosine), by keywords (tsvector of
// Go-made tokens), by imprint code, and by exact key, licence number or title, fused by
// reciprocal rank.
func (s *Store) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	p, err := s.plan(ctx, q)
	if err != nil || len(p.legs) == 0 {
		return []retrieval.Hit{}, err
	}
	found, err := s.runLegs(ctx, p.legs, p.statuses, p.datasets)
	if err != nil {
		return nil, fmt.Errorf("pgstore: search: %w", err)
	}
	fl := make([]retrieval.Leg[int64], len(p.legs))
	for i, l := range p.legs {
		fl[i] = retrieval.Leg[int64]{Evidence: l.name, IDs: found[i], Weight: l.weight, Flat: l.flat, Names: l.names}
	}
	f := retrieval.Fuse(fl)
	return s.hits(ctx, f.Scores, f.Named, f.Evidence, p.statuses, p.datasets, p.k, p.text)
}

// plan is what one search runs: its legs, with the filters and query they share.
type plan struct {
	legs               []leg
	statuses, datasets []string
	k                  int
	text               string
}

// plan chooses the legs of a search; an empty question has none.
func (s *Store) plan(ctx context.Context, q retrieval.Query) (plan, error) {
	text := retrieval.Normalize(q.Text)
	k := cmp.Or(q.K, retrieval.DefaultK)
	k = min(max(k, 1), 100)
	if text == "" {
		return plan{}, nil
	}
	statuses := cleanFilter(q.Statuses)
	if len(statuses) == 0 {
		statuses = []string{"active", "cancelled"}
	}
	datasets := cleanFilter(q.Datasets)
	vec, err := s.embedder.EmbedQuery(ctx, text)
	if err != nil {
		return plan{}, fmt.Errorf("pgstore: search: embed query: %w", err)
	}
	const filter = `d.status = ANY($2) AND ($3::text[] IS NULL OR d.dataset = ANY($3))`
	// Without a filter the nearest chunks come straight from the HNSW index and the few
	// of a hidden status are dropped when the hits are loaded; with one, the filter
	// joins the scan (hnsw.iterative_scan keeps it returning enough rows).
	dense := `SELECT c.document_id FROM chunks c WHERE $2::text[] IS NOT NULL AND $3::text[] IS NULL
		ORDER BY c.embedding <=> $1 LIMIT $4`
	if datasets != nil || len(q.Statuses) > 0 {
		dense = `SELECT c.document_id FROM chunks c JOIN documents d ON d.id = c.document_id
			WHERE ` + filter + ` ORDER BY c.embedding <=> $1 LIMIT $4`
	}
	legs := []leg{{
		name:   retrieval.EvidenceMeaning,
		sql:    dense,
		args:   []any{pgvector.NewHalfVector(vec)},
		weight: retrieval.DenseWeight(s.info.Name),
	}}
	// Imprints and appearance describe pills: only drugs can match them.
	const drugKeyword = `SELECT c.document_id FROM chunks c JOIN documents d ON d.id = c.document_id, to_tsquery('simple', $1) AS q
		WHERE c.tsv @@ q AND d.dataset = 'tfda_drug' AND ` + filter + ` ORDER BY ts_rank(c.tsv, q) DESC, c.id LIMIT $4`
	// Common colours and shapes match thousands of pills alike: ranking them is wasted
	// work, the other legs order them.
	// The matching chunks are gathered first (the GIN index), then cut: with a bare
	// LIMIT the planner reads the table in order hoping to meet enough matches soon,
	// and a colour the pills of one maker share sits in one stretch of it (290 ms).
	const appearance = `WITH m AS MATERIALIZED (SELECT c.document_id FROM chunks c, to_tsquery('simple', $1) AS q WHERE c.tsv @@ q)
		SELECT m.document_id FROM m JOIN documents d ON d.id = m.document_id
		WHERE d.dataset = 'tfda_drug' AND ` + filter + ` LIMIT $4`
	// A generic name is on thousands of licences: the shortest passages naming it (the
	// product is mostly that name) come first, from the narrow drug_words index alone,
	// and the other legs rank them.
	const drugNames = `SELECT x.document_id FROM unnest($1::text[]) AS n(word) CROSS JOIN LATERAL (
			SELECT w.document_id, w.len FROM drug_words w JOIN documents d ON d.id = w.document_id
			WHERE w.word = n.word AND d.dataset = 'tfda_drug' AND ` + filter + `
			ORDER BY w.len, w.document_id LIMIT $4) x
		ORDER BY x.len, x.document_id LIMIT $4`
	const keyword = `SELECT c.document_id FROM chunks c JOIN documents d ON d.id = c.document_id, to_tsquery('simple', $1) AS q
		WHERE c.tsv @@ q AND ` + filter + ` ORDER BY ts_rank(c.tsv, q) DESC, c.id LIMIT $4`
	p := plan{legs: legs, statuses: statuses, datasets: datasets, k: k, text: text}
	if q.DenseOnly {
		return p, nil
	}
	// Any informative token, scored like BM25 with binary term frequency: for each query
	// concept a document holds, its inverse document frequency once (title tokens count
	// twice). A concept is a token, or a synonym group counted once with the weight of
	// its most common word ($6 labels the tokens of $1). Tokens in more than
	// maxDocShare of the chunks only add noise and cost.
	const weighted = `WITH t AS NOT MATERIALIZED (
			SELECT l.word, ($6::text[])[array_position($1::text[], l.word)] AS concept,
				to_tsquery('simple', l.word) AS q,
				ln((n.total - l.ndoc + 0.5) / (l.ndoc + 0.5) + 1) AS idf
			FROM lexemes l, (SELECT coalesce(max(value::float8) FILTER (WHERE name = 'chunks'), 1) AS total FROM settings) n
			WHERE l.word = ANY($1) AND l.ndoc <= least(500, greatest(50, $5 * n.total))),
		m AS (
			SELECT c.document_id, t.concept, max(CASE WHEN d.title_tsv @@ t.q THEN 2 ELSE 1 END) AS w FROM t
			JOIN chunks c ON c.tsv @@ t.q
			JOIN documents d ON d.id = c.document_id
			WHERE ` + filter + `
			GROUP BY c.document_id, t.concept),
		ci AS (SELECT concept, min(idf) AS idf FROM t GROUP BY concept)
		SELECT m.document_id FROM m JOIN ci USING (concept)
		GROUP BY m.document_id ORDER BY sum(m.w * ci.idf) DESC, m.document_id LIMIT $4`
	if tokens := retrieval.ContentTokens(text); len(tokens) > 0 {
		// PostgreSQL's ranking has no inverse document frequency: chunks holding every
		// query token are a leg of their own, weighted double.
		if len(tokens) > 1 {
			legs = append(legs, leg{name: retrieval.EvidenceAllTerms, sql: keyword, args: []any{strings.Join(tokens, " & ")}, weight: 2})
		}
		// Everyday and official words for the same thing, and corrected spellings of
		// drug names, join the weighted leg only.
		if syn := retrieval.Expand(text); syn != "" {
			tokens = append(tokens, retrieval.Tokens(syn)...)
		}
		fixed, err := s.corrections(ctx, tokens)
		if err != nil {
			return plan{}, err
		}
		tokens = append(tokens, fixed...)
		words, concepts := retrieval.LabelConcepts(text, tokens)
		legs = append(legs, leg{name: retrieval.EvidenceTerms, sql: weighted, args: []any{words, nil, nil, nil, maxDocShare, concepts}, weight: 1.5})
		// Latin words that are not everyday English are, here, drug names: generic or
		// brand names that the licences carry in English.
		var names []string
		for _, t := range tokens {
			if len(t) >= 4 && retrieval.IsLatin(t) && !retrieval.InGlossary(t) && !describesPill(t) && !slices.Contains(names, t) {
				names = append(names, t)
			}
		}
		if len(names) > 0 {
			legs = append(legs, leg{name: retrieval.EvidenceTerms, sql: drugNames, args: []any{names}, weight: 2})
		}
	}
	terms := retrieval.AppearanceTokens(text)
	if len(terms) > 0 {
		// A pill described by colour and shape: drugs whose appearance holds them all.
		legs = append(legs, leg{name: retrieval.EvidenceAppearance, sql: appearance, args: []any{strings.Join(terms, " & ")}, weight: 1.5})
		// With a code read off it, even letters or digits alone («上面寫 YSP»): the
		// pills of that look bearing the code.
		if codes := retrieval.ImprintTokens(text, false); len(codes) > 0 {
			q := strings.Join(terms, " & ") + " & (" + strings.Join(codes, " | ") + ")"
			legs = append(legs, leg{name: retrieval.EvidenceImprint, sql: drugKeyword, args: []any{q}, weight: 2})
		}
	}
	if codes := retrieval.ImprintTokens(text, true); len(codes) > 0 {
		legs = append(legs, leg{name: retrieval.EvidenceImprint, sql: drugKeyword, args: []any{strings.Join(codes, " | ")}, weight: 2})
	}
	legs = append(legs, leg{
		name:   retrieval.EvidenceKey,
		sql:    `SELECT d.id FROM documents d WHERE d.key = $1 AND ` + filter + ` LIMIT $4`,
		args:   []any{text},
		weight: 1, flat: true, names: true,
	}, leg{
		name:   retrieval.EvidenceTitle,
		sql:    `SELECT d.id FROM documents d WHERE d.title = $1 AND ` + filter + ` LIMIT $4`,
		args:   []any{text},
		weight: 1, flat: true,
	})
	if spans := retrieval.NameSpans(text); len(spans) > 0 {
		// A medicine named inside the question, longest name first. (Matching stems,
		// the name without its dosage form, was measured and left out: stems such as
		// 「止痛藥」 are everyday words, and they lowered recall@1 on the evaluation sets.)
		legs = append(legs, leg{
			name: retrieval.EvidenceName,
			// One probe of the drug_name index per span: with = ANY of a long
			// question's hundreds of spans the planner expects most licences to match
			// and computes drug_name on every one (1.1 s at 100,000 licences).
			sql: `SELECT d.id FROM unnest($1::text[]) AS n(name) CROSS JOIN LATERAL (
					SELECT d.id, d.status, d.title FROM documents d
					WHERE d.dataset = 'tfda_drug' AND drug_name(d.title) = n.name AND ` + filter + `
					ORDER BY d.status = 'cancelled', length(d.title), d.id LIMIT $4) d
				ORDER BY char_length(n.name) DESC, d.status = 'cancelled', length(d.title), d.id LIMIT $4`,
			args: []any{spans},
			// Several licences share a name: naming it does not name a cancelled one.
			weight: 1, flat: true,
		})
	}
	if serials := retrieval.LicenceSerials(text); len(serials) > 0 {
		legs = append(legs, leg{
			name: retrieval.EvidenceKey,
			sql: `SELECT d.id FROM documents d WHERE substring(d.key from '\d{5,7}') = ANY($1) AND d.dataset = 'tfda_drug' AND ` + filter + `
				ORDER BY (position(substring(d.key from '^[^0-9]*') in $5) > 0) DESC, d.key LIMIT $4`,
			args:   []any{serials, nil, nil, nil, text},
			weight: 0.8, flat: true, names: true,
		})
	}

	p.legs = legs
	return p, nil
}

// legGroups is how many connections one search uses at most: its legs run in that many
// batches at once, one round trip each, so that a search takes about as
// long as its slowest leg rather than all of them in turn (when connections are free).
const legGroups = 3

// runLegs runs the legs and returns the document ids each found, in its order.
func (s *Store) runLegs(ctx context.Context, legs []leg, statuses, datasets []string) ([][]int64, error) {
	found := make([][]int64, len(legs))
	// At once only while connections are free: under load, each search in one batch
	// serves more of them (three batches cost three connections their settings and
	// round trips, and the cores are busy anyway).
	n := legGroups
	if st := s.pool.Stat(); st.MaxConns()-st.AcquiredConns() < legGroups+1 {
		n = 1
	}
	groups := make([][]int, min(n, len(legs)))
	for i := range legs {
		groups[i%len(groups)] = append(groups[i%len(groups)], i)
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, group := range groups {
		g.Go(func() error {
			// One batch is one round trip and one implicit transaction, in which the
			// SET LOCALs hold.
			b := &pgx.Batch{}
			// Plans made for each query's own values: a generic plan, which pgx's
			// statement cache would get after five runs, ranks the same query differently.
			b.Queue(`SET LOCAL plan_cache_mode = force_custom_plan`)
			b.Queue(`SET LOCAL hnsw.iterative_scan = relaxed_order`)
			b.Queue(`SET LOCAL work_mem = '32MB'`)
			// Searches are short: compiling a plan with JIT, which the planner's cost of a
			// long question's many name probes triggers, took 180 ms for 2 ms of work.
			b.Queue(`SET LOCAL jit = off`)
			b.Queue(fmt.Sprintf(`SET LOCAL hnsw.ef_search = %d`, max(s.EFSearch, candidates)))
			const settings = 5
			for _, i := range group {
				l := legs[i]
				args := []any{l.args[0], statuses, datasets, candidates}
				if len(l.args) > 4 {
					args = append(args, l.args[4:]...)
				}
				b.Queue(l.sql, args...)
			}
			br := s.pool.SendBatch(gctx, b)
			defer br.Close()
			for range settings {
				if _, err := br.Exec(); err != nil {
					return err
				}
			}
			for _, i := range group {
				rows, err := br.Query()
				if err != nil {
					return err
				}
				if found[i], err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
					return err
				}
			}
			return br.Close()
		})
	}
	return found, g.Wait()
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

// describesPill reports whether a word is a colour or shape ("white", "round").
func describesPill(word string) bool {
	colors, shapes := retrieval.AppearanceTerms(word)
	return len(colors)+len(shapes) > 0
}

// hits loads the best k documents of scores, cancelled licences ranked below valid ones.
func (s *Store) hits(ctx context.Context, scores map[int64]float64, named map[int64]bool, evidence map[int64][]string, statuses, datasets []string, k int, text string) ([]retrieval.Hit, error) {
	if len(scores) == 0 {
		return []retrieval.Hit{}, nil
	}
	ids := make([]int64, 0, len(scores))
	for id := range scores {
		ids = append(ids, id)
	}
	// Only the best candidates are loaded: enough to fill k after hidden documents
	// are dropped and cancelled ones move down.
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(scores[b], scores[a]) })
	ids = ids[:min(len(ids), 3*k+10)]
	const q = `SELECT id, dataset, key, title, url, status, snapshot, facets, left(body, 300) FROM documents
		WHERE id = ANY($1) AND status = ANY($2) AND ($3::text[] IS NULL OR dataset = ANY($3))`
	rows, err := s.pool.Query(ctx, q, ids, statuses, datasets)
	if err != nil {
		return nil, fmt.Errorf("pgstore: search: load: %w", err)
	}
	var out []retrieval.Hit
	var byLeg []bool // named by a leg, for DemoteCancelled
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
		hit.Evidence = evidence[id]
		hit.Confidence = retrieval.Confidence(hit.Evidence)
		if len(facets) > 0 {
			if err := json.Unmarshal(facets, &hit.Facets); err != nil {
				return err
			}
		}
		out = append(out, hit)
		byLeg = append(byLeg, named[id])
		return nil
	}); err != nil {
		return nil, fmt.Errorf("pgstore: search: load: %w", err)
	}
	retrieval.WeighByDomain(text, out)
	retrieval.WeighByCoverage(text, out)
	retrieval.WeighByTitleMatch(text, out)
	retrieval.DemoteCancelled(text, out, byLeg)
	slices.SortFunc(out, func(a, b retrieval.Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out[:min(k, len(out))], nil
}
