package pgstore_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	"github.com/civicbot/civicbot/ingest/taipei"
	"github.com/civicbot/civicbot/ingest/tfda"
	"github.com/civicbot/civicbot/retrieval"
	"github.com/civicbot/civicbot/retrieval/hashembed"
	"github.com/civicbot/civicbot/store/pgstore"
	"github.com/civicbot/civicbot/store/pgstore/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
	"github.com/tmc/langchaingo/schema"
	lcpgvector "github.com/tmc/langchaingo/vectorstores/pgvector"
)

// searchBenchRows is the size of the synthetic dataset-36 export BenchmarkSearch loads
// beside the bundled open data; BENCH_ROWS overrides it. 102,000 rows give about
// 93,500 licences and, with the bundled data, just over 100,000 chunks.
func searchBenchRows() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 102000
}

// searchRounds is how many times each timed pass runs the whole query set, so that a
// single benchmark iteration (-benchtime=1x) still gives a few hundred latencies.
const searchRounds = 5

// evalQuery is one line of an evaluation file (BRIEF.md's contract): a question and
// the keys of the documents that answer it (a hit is any of them among the top 5).
type evalQuery struct {
	Question string   `json:"question"`
	Expect   []string `json:"expect"`
	File     string   `json:"-"`
}

// evalSets are the repository's evaluation sets, written against the bundled open
// data, relative to this package.
const evalSets = "../../testdata/eval/*.jsonl"

// benchQueries are the query set used when the repository has no evaluation sets:
// citizens' questions about the bundled data, phrased as people ask them, never as
// the records' titles. Expected keys were chosen by reading the data: every document
// that answers the question is listed.
var benchQueries = []evalQuery{
	// Pills: appearance and imprint (dataset 42).
	{"白色圓形藥丸，上面寫 YSP 52", []string{"衛署藥製字第038089號"}, ""},
	{"橘色圓形的藥 上面有 SC D11", []string{"衛署藥製字第029008號"}, ""},
	{"粉紅色四方形藥片 BRUPHEN 600", []string{"衛部藥製字第059751號"}, ""},
	{"白色橢圓形 LT MO", []string{"衛署藥製字第036201號"}, ""},
	{"黃色圓形 ysp130", []string{"衛署藥製字第049184號"}, ""},
	{"orange round pill SY 101", []string{"衛部藥製字第059398號"}, ""},
	{"綠色灰色膠囊 SP071", []string{"衛署藥製字第022123號"}, ""},
	{"紅黃膠囊印 KJ 164", []string{"衛署藥製字第039519號"}, ""},
	{"撿到白色膠囊寫 EP214 是什麼藥", []string{"衛署藥製字第048056號"}, ""},
	{"橘色橢圓 Lilly 50", []string{"衛部藥輸字第027643號"}, ""},
	{"白色圓形 SYN 038", []string{"衛部藥製字第058393號"}, ""},
	{"黃色橢圓形藥錠 737", []string{"衛署藥製字第057116號"}, ""},
	{"藍色圓形 P U 57", []string{"衛署藥輸字第021698號"}, ""},
	{"粉紅色圓形 STD F06", []string{"衛署藥製字第044098號"}, ""},
	// Drugs by brand, generic name or licence number (dataset 36).
	{"伯基", []string{"衛署藥製字第037344號", "衛部藥製字第058290號"}, ""},
	{"詩披雅眼藥水", []string{"衛署藥輸字第025666號"}, ""},
	{"黴可康乳膏可以擦香港腳嗎", []string{"衛署藥製字第026769號"}, ""},
	{"伊必特 150", []string{"衛署藥製字第056697號"}, ""},
	{"速治疼軟膠囊", []string{"衛部藥輸字第027985號"}, ""},
	{"速治疼软胶囊400毫克", []string{"衛部藥輸字第027985號"}, ""},
	{"伊必持膜衣錠", []string{"衛署藥製字第056697號", "衛部藥製字第060884號"}, ""},
	{"復汝炎", []string{"衛署藥製字第039594號", "衛部藥製字第059751號"}, ""},
	{"Bruphen 600mg", []string{"衛部藥製字第059751號"}, ""},
	{"痛風寧膠囊", []string{"衛署藥製字第017199號", "內衛藥製字第013906號"}, ""},
	{"TON FONLIN capsules", []string{"衛署藥製字第017199號"}, ""},
	{"解痛寧 600", []string{"衛部藥製字第061027號"}, ""},
	{"樂舒疹 唇疱疹", []string{"衛署藥製字第035354號"}, ""},
	{"美樂芬止痛片", []string{"衛署藥輸字第024554號"}, ""},
	{"熱威樂素乳膏", []string{"衛署藥輸字第013476號", "衛署藥輸字第023993號"}, ""},
	{"景多力膠囊 500", []string{"衛署藥製字第031095號"}, ""},
	{"可治胃錠 胃痛", []string{"衛署藥製字第001881號"}, ""},
	{"溫刻痛", []string{"衛署成製字第001621號"}, ""},
	{"藥輸字025666", []string{"衛署藥輸字第025666號"}, ""},
	{"衛部藥製字第060885號", []string{"衛部藥製字第060885號"}, ""},
	{"許可證 046579", []string{"衛署藥製字第046579號"}, ""},
	// Myths (dataset 159) and articles (190), keyed by title.
	{"剩下的藥可以沖馬桶嗎", []string{"家中剩藥直接丟馬桶可以嗎？"}, ""},
	{"吃藥配咖啡可以嗎", []string{"吃藥時配咖啡應該沒關係吧？"}, ""},
	{"普拿疼會殘留在身體五年嗎", []string{"有人說吃一顆普拿疼會在體內殘留五年？"}, ""},
	{"過期藥還能吃嗎", []string{"過期的藥品仍然可以吃，只是藥效減半？"}, ""},
	{"藥放冰箱比較好嗎", []string{"藥品可以放冰箱保存嗎？", "把藥放冰箱，可以保存更久，是真的嗎？"}, ""},
	{"安眠藥配酒睡比較好", []string{"朋友推薦安眠藥和酒一起服用，效果會更好，這是真的嗎？"}, ""},
	{"小孩吞不下藥可以磨粉嗎", []string{"有人說小孩、年長者吞藥不易，磨成藥粉藥效吸收更快，這是真的嗎？"}, ""},
	{"降血壓藥吃了就不能停？", []string{"聽朋友說，降血壓藥一吃就停不下來，還會傷腎引發腎臟病，這是真的嗎？"}, ""},
	{"does acetaminophen hurt the kidneys", []string{"使用含有acetaminophen成分藥品會傷腎，是真的嗎？"}, ""},
	{"抗生素要配胃藥嗎", []string{"聽說吃抗生素會傷胃，一定要配服胃藥才不會傷胃，這是真的嗎？"}, ""},
	{"防蚊液怎麼選", []string{"正確選用防蚊液", "市面上的防蚊液都能有效驅蚊嗎？"}, ""},
	// Taipei city FAQ, keyed by data_id.
	{"愛心卡弄丟了", []string{"GIP_101591974", "GIP_101591973", "GIP_293220255", "GIP_327043704", "GIP_327043705"}, ""},
	{"敬老卡搭捷運要錢嗎", []string{"GIP_96978070", "GIP_95983636"}, ""},
	{"育兒津貼要準備什麼", []string{"GIP_170736739", "GIP_170736748"}, ""},
	{"路邊停車費怎麼繳", []string{"GIP_119667419", "GIP_132779975"}, ""},
	{"我的狗過世了要怎麼處理", []string{"GIP_125271514"}, ""},
	{"交通罰單可以分期付嗎", []string{"GIP_178763292"}, ""},
	{"怎麼申請低收入戶", []string{"GIP_256222298"}, ""},
	{"老人裝假牙有補助嗎", []string{"GIP_257475208", "GIP_257144929"}, ""},
	{"戒菸專線", []string{"GIP_115899030"}, ""},
	{"地價稅忘了繳會怎樣", []string{"GIP_221931269"}, ""},
	{"身障租屋補貼要帶哪些文件", []string{"GIP_296803155"}, ""},
	{"紅線晚上可以停車嗎", []string{"GIP_99329880", "GIP_123201849"}, ""},
	{"How do I pay for street parking in Taipei", []string{"GIP_119667419", "GIP_132779975"}, ""},
}

// benchEvalQueries returns the query set: the files named in BENCH_EVAL (comma
// separated), else the repository's evaluation sets, else benchQueries.
func benchEvalQueries(b *testing.B) []evalQuery {
	b.Helper()
	var files []string
	if env := os.Getenv("BENCH_EVAL"); env != "" {
		for _, p := range strings.Split(env, ",") {
			files = append(files, strings.TrimSpace(p))
		}
	} else {
		var err error
		if files, err = filepath.Glob(evalSets); err != nil {
			b.Fatal(err)
		}
	}
	if len(files) == 0 {
		b.Logf("queries: %d built in (no %s)", len(benchQueries), evalSets)
		return benchQueries
	}
	var out []evalQuery
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatalf("evaluation set: %v", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			q := evalQuery{File: filepath.Base(p)}
			if err := json.Unmarshal([]byte(line), &q); err != nil || q.Question == "" || len(q.Expect) == 0 {
				b.Fatalf("%s:%d: not a question with expected keys (%v)", p, n, err)
			}
			out = append(out, q)
		}
	}
	b.Logf("queries: %d from %s", len(out), strings.Join(files, " "))
	return out
}

// searchFixture holds what the sub-benchmarks of BenchmarkSearch share. Each store is
// loaded once, by the first sub-benchmark that needs it; the databases are created
// by the parent benchmark, whose cleanup drops them after every sub-benchmark ran.
type searchFixture struct {
	rows    int
	e       *hashembed.Embedder
	queries []evalQuery

	civURL  string
	civOnce sync.Once
	civ     *pgstore.Store
	civErr  error
	docs    int
	chunks  int
	civP    map[float64]float64 // civicbot's latency percentiles (ms), once measured

	lcURL  string
	lcOnce sync.Once
	lcPool *pgxpool.Pool
	lc     lcpgvector.Store
	lcErr  error
}

func (f *searchFixture) close() {
	if f.civ != nil {
		f.civ.Close()
	}
	if f.lcPool != nil {
		f.lcPool.Close()
	}
}

// civicbot returns the civicbot store holding the synthetic export and the bundled
// open data, loading it on first use.
func (f *searchFixture) civicbot(b *testing.B) *pgstore.Store {
	b.Helper()
	f.civOnce.Do(func() { f.civErr = f.loadCivicbot(b) })
	if f.civErr != nil {
		b.Fatal(f.civErr)
	}
	return f.civ
}

func (f *searchFixture) loadCivicbot(b *testing.B) error {
	ctx := context.Background()
	start := time.Now()
	dir, err := os.MkdirTemp("", "civicbot-search-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var buf bytes.Buffer
	if err := tfda.WriteSynthetic(&buf, f.rows, 1); err != nil {
		return err
	}
	synth := filepath.Join(dir, "36_2.csv")
	if err := os.WriteFile(synth, buf.Bytes(), 0o644); err != nil {
		return err
	}
	buf = bytes.Buffer{}
	l := &ingest.Loader{Formats: append(tfda.Formats(), taipei.Formats(time.Now)...)}
	data := filepath.Join("..", "..", "ingest", "opendata")
	batches, err := l.Load(ctx,
		filepath.Join(data, "tfda", "36_sample.csv"), filepath.Join(data, "tfda", "42_5.json"),
		filepath.Join(data, "tfda", "159.csv"), filepath.Join(data, "tfda", "190.csv"),
		filepath.Join(data, "taipei", "faq.xml"))
	if err != nil {
		return err
	}
	synthetic, err := l.Load(ctx, synth)
	if err != nil {
		return err
	}
	if err := addSynthetic(batches, synthetic); err != nil {
		return err
	}
	s, err := pgstore.Open(ctx, f.civURL, f.e, pgstore.EmbedderInfo{Name: f.e.Name(), Dim: f.e.Dim()}, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	f.civ = s
	if _, err := s.Sync(ctx, batches, ingest.SyncOptions{}); err != nil {
		return err
	}
	loaded := time.Since(start)
	if err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks)`).Scan(&f.docs, &f.chunks); err != nil {
		return err
	}
	b.Logf("civicbot: loaded %d synthetic rows + bundled data: %d documents, %d chunks in %s", f.rows, f.docs, f.chunks, loaded.Round(time.Second))
	return nil
}

// addSynthetic adds the synthetic licences to the bundled export of dataset 36 as a
// haystack, leaving out those whose licence numbers the bundled data uses: the
// evaluation sets are written against the bundled data, and a made-up licence must
// not rename a real drug.
func addSynthetic(bundled, synthetic []*ingest.Batch) error {
	if len(synthetic) != 1 {
		return fmt.Errorf("synthetic export: %d sources, want 1", len(synthetic))
	}
	used := map[string]bool{}
	var target *ingest.Batch
	for _, b := range bundled {
		for _, r := range b.Records {
			if r.Dataset == corpus.DatasetDrug {
				used[r.Key] = true
			}
		}
		if b.Source == synthetic[0].Source {
			target = b
		}
	}
	if target == nil {
		return fmt.Errorf("synthetic export: the bundled data has no source %s", synthetic[0].Source)
	}
	for _, r := range synthetic[0].Records {
		if !used[r.Key] {
			target.Records = append(target.Records, r)
			target.Seen++
		}
	}
	return nil
}

// langchaingo returns langchaingo's pgvector store holding civicbot's chunks, loading
// it on first use.
func (f *searchFixture) langchaingo(b *testing.B) lcpgvector.Store {
	b.Helper()
	civ := f.civicbot(b)
	f.lcOnce.Do(func() { f.lcErr = f.loadLangchaingo(b, civ) })
	if f.lcErr != nil {
		b.Fatal(f.lcErr)
	}
	return f.lc
}

func (f *searchFixture) loadLangchaingo(b *testing.B, civ *pgstore.Store) error {
	ctx := context.Background()
	// The same passages civicbot embeds, with the same text (title first), keyed
	// by their documents.
	const q = `SELECT d.dataset, d.key, d.title, c.ord, c.text FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY c.id`
	rows, err := civ.Pool().Query(ctx, q)
	if err != nil {
		return err
	}
	var docs []schema.Document
	var d ingest.Document
	var c ingest.Chunk
	if _, err := pgx.ForEachRow(rows, []any{&d.Dataset, &d.Key, &d.Title, &c.Ord, &c.Text}, func() error {
		docs = append(docs, schema.Document{PageContent: ingest.EmbedText(d, c),
			Metadata: map[string]any{"dataset": d.Dataset, "key": d.Key}})
		return nil
	}); err != nil {
		return err
	}

	conn, err := pgx.Connect(ctx, f.lcURL)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS vector`)
	conn.Close(ctx)
	if err != nil {
		return err
	}
	cfg, err := pgxpool.ParseConfig(f.lcURL)
	if err != nil {
		return err
	}
	// Without pgvector's types, langchaingo's vectors are mis-encoded (BRIEF.md).
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error { return pgxvec.RegisterTypes(ctx, c) }
	if f.lcPool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return err
	}
	if f.lc, err = lcpgvector.New(ctx, lcpgvector.WithConn(f.lcPool), lcpgvector.WithEmbedder(f.e),
		lcpgvector.WithVectorDimensions(f.e.Dim()), lcpgvector.WithHNSWIndex(16, 64, "vector_cosine_ops")); err != nil {
		return err
	}
	start := time.Now()
	// AddDocuments embeds everything at once and queues one INSERT per document:
	// feed it in batches as an application would.
	for lo := 0; lo < len(docs); lo += 1000 {
		if _, err := f.lc.AddDocuments(ctx, docs[lo:min(lo+1000, len(docs))]); err != nil {
			return fmt.Errorf("langchaingo: add documents: %w", err)
		}
	}
	// As civicbot's sync does, so that both are measured with planner statistics.
	if _, err := f.lcPool.Exec(ctx, `ANALYZE`); err != nil {
		return err
	}
	el := time.Since(start)
	b.Logf("langchaingo: loaded %d chunks in %s (%.0f docs/s)", len(docs), el.Round(time.Second), float64(len(docs))/el.Seconds())
	return nil
}

// BenchmarkSearch measures search at about 100,000 chunks (the bundled open data
// plus BENCH_ROWS rows of synthetic licences), hash embedder, 256 dimensions, with the
// repository's evaluation sets as queries (BENCH_EVAL names other files):
//
//   - civicbot: pgstore.Search, k=5, the whole hybrid search: latency percentiles and
//     recall@5 of the expected keys;
//   - dense: the HNSW index alone (ef_search 100, iterative scan) against an exact
//     scan of every chunk: recall@10 of the index and the latency of both;
//   - langchaingo: vectorstores/pgvector SimilaritySearch(query, 5) on the same
//     passages, embedder and server: latency percentiles, recall@5, and how many
//     times slower than civicbot it is when civicbot ran first.
//
// One iteration runs the query set searchRounds times; run with -benchtime=1x.
func BenchmarkSearch(b *testing.B) {
	f := &searchFixture{
		rows:    searchBenchRows(),
		e:       hashembed.New(256),
		queries: benchEvalQueries(b),
		civURL:  pgtest.New(b),
		lcURL:   pgtest.New(b),
	}
	b.Cleanup(f.close)
	b.Run("civicbot", func(b *testing.B) { benchCivicbot(b, f) })
	b.Run("dense", func(b *testing.B) { benchDense(b, f) })
	b.Run("langchaingo", func(b *testing.B) { benchLangchaingo(b, f) })
}

func benchCivicbot(b *testing.B, f *searchFixture) {
	s := f.civicbot(b)
	ctx := context.Background()
	search := func(q evalQuery) []string {
		hits, err := s.Search(ctx, retrieval.Query{Text: q.Question, K: 5})
		if err != nil {
			b.Fatalf("search %q: %v", q.Question, err)
		}
		ks := make([]string, len(hits))
		for i, h := range hits {
			ks[i] = h.Key
		}
		return ks
	}
	// An untimed pass warms the caches and gives the recall: search is deterministic.
	got := make([][]string, len(f.queries))
	for i, q := range f.queries {
		got[i] = search(q)
	}
	recall, mrr := evalRecall(b, "civicbot", f.queries, got)
	lat := make([]time.Duration, 0, searchRounds*len(f.queries))
	perQuery := make([][]time.Duration, len(f.queries))
	for b.Loop() {
		for range searchRounds {
			for i, q := range f.queries {
				start := time.Now()
				search(q)
				d := time.Since(start)
				lat = append(lat, d)
				perQuery[i] = append(perQuery[i], d)
			}
		}
	}
	logSlowest(b, f.queries, perQuery, 10)
	f.civP = reportLatency(b, "", lat)
	b.ReportMetric(recall, "recall@5")
	b.ReportMetric(mrr, "MRR@5")
	b.ReportMetric(float64(f.chunks), "chunks")
}

// logSlowest logs the n queries with the highest median latency: where the tail is.
func logSlowest(b *testing.B, qs []evalQuery, lat [][]time.Duration, n int) {
	type slow struct {
		q   string
		med time.Duration
	}
	var all []slow
	for i, ds := range lat {
		if len(ds) == 0 {
			continue
		}
		s := slices.Clone(ds)
		slices.Sort(s)
		all = append(all, slow{qs[i].Question, s[len(s)/2]})
	}
	slices.SortFunc(all, func(a, b slow) int { return int(b.med - a.med) })
	var parts []string
	for _, s := range all[:min(n, len(all))] {
		parts = append(parts, fmt.Sprintf("%q %.0f ms", s.q, float64(s.med)/float64(time.Millisecond)))
	}
	b.Logf("slowest queries (median of %d): %s", len(lat[0]), strings.Join(parts, ", "))
}

// neighbour is a chunk found by a dense search.
type neighbour struct {
	id, doc int64
	dist    float64
}

func benchDense(b *testing.B, f *searchFixture) {
	s := f.civicbot(b)
	ctx := context.Background()
	// The two searches differ in their SQL, not only in their settings: pgx prepares
	// statements and PostgreSQL caches their plans without regard to planner settings
	// such as enable_indexscan, so one text would soon run one plan for both. Adding 0
	// to the distance leaves an order that no index provides.
	type dense struct{ settings, sql string }
	var (
		ann = dense{`SET LOCAL hnsw.ef_search = 100; SET LOCAL hnsw.iterative_scan = relaxed_order`,
			`SELECT id, document_id, embedding <=> $1 FROM chunks ORDER BY embedding <=> $1 LIMIT 10`}
		exact = dense{`SET LOCAL enable_indexscan = off`,
			`SELECT id, document_id, embedding <=> $1 FROM chunks ORDER BY (embedding <=> $1) + 0 LIMIT 10`}
	)
	run := func(d dense, vec pgvector.HalfVector, explain bool) ([]neighbour, string) {
		var out []neighbour
		var plan []string
		err := pgx.BeginTxFunc(ctx, s.Pool(), pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, d.settings); err != nil {
				return err
			}
			if explain {
				rows, err := tx.Query(ctx, `EXPLAIN (COSTS OFF) `+d.sql, vec)
				if err != nil {
					return err
				}
				plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
				return err
			}
			rows, err := tx.Query(ctx, d.sql, vec)
			if err != nil {
				return err
			}
			var n neighbour
			_, err = pgx.ForEachRow(rows, []any{&n.id, &n.doc, &n.dist}, func() error {
				out = append(out, n)
				return nil
			})
			return err
		})
		if err != nil {
			b.Fatalf("dense search: %v", err)
		}
		return out, strings.Join(plan, "\n")
	}
	vecs := make([]pgvector.HalfVector, len(f.queries))
	for i, q := range f.queries {
		v, err := f.e.EmbedQuery(ctx, retrieval.Normalize(q.Question))
		if err != nil {
			b.Fatal(err)
		}
		vecs[i] = pgvector.NewHalfVector(v)
	}
	// Measure what the names say: the index, and a scan of every chunk.
	if _, plan := run(ann, vecs[0], true); !strings.Contains(plan, "chunks_embedding") {
		b.Fatalf("the ANN query does not use the HNSW index:\n%s", plan)
	}
	if _, plan := run(exact, vecs[0], true); strings.Contains(plan, "chunks_embedding") || !strings.Contains(plan, "Seq Scan") {
		b.Fatalf("the exact query is not a full scan:\n%s", plan)
	}

	var exactLat []time.Duration
	truth := make([][]neighbour, len(vecs))
	found := make([][]neighbour, len(vecs))
	for i, v := range vecs {
		run(ann, v, false) // warm
		found[i], _ = run(ann, v, false)
		for range 3 {
			start := time.Now()
			truth[i], _ = run(exact, v, false)
			exactLat = append(exactLat, time.Since(start))
		}
	}
	// Recall counts an ANN result as right when it is as near as the exact 10th:
	// chunks at equal distances (repeated texts) are interchangeable.
	var recall, strict float64
	for i := range vecs {
		if len(truth[i]) == 0 {
			continue
		}
		tenth := truth[i][len(truth[i])-1].dist
		ids := map[int64]bool{}
		for _, n := range truth[i] {
			ids[n.id] = true
		}
		var ok, same int
		for _, n := range found[i] {
			if n.dist <= tenth+1e-6 {
				ok++
			}
			if ids[n.id] {
				same++
			}
		}
		recall += float64(min(ok, len(truth[i]))) / float64(len(truth[i]))
		strict += float64(same) / float64(len(truth[i]))
	}
	recall /= float64(len(vecs))
	strict /= float64(len(vecs))
	b.Logf("dense: ANN recall@10 %.4f (ties counted), %.4f (same chunk ids)", recall, strict)

	// The dense-only baseline: the documents of the index's top chunks, best first.
	docKeys, err := documentKeys(ctx, s, found)
	if err != nil {
		b.Fatal(err)
	}
	got := make([][]string, len(found))
	for i, ns := range found {
		for _, n := range ns {
			if k := docKeys[n.doc]; !slices.Contains(got[i], k) && len(got[i]) < 5 {
				got[i] = append(got[i], k)
			}
		}
	}
	denseRecall, _ := evalRecall(b, "dense", f.queries, got)

	lat := make([]time.Duration, 0, searchRounds*len(vecs))
	for b.Loop() {
		for range searchRounds {
			for _, v := range vecs {
				start := time.Now()
				run(ann, v, false)
				lat = append(lat, time.Since(start))
			}
		}
	}
	reportLatency(b, "ann-", lat)
	reportLatency(b, "exact-", exactLat)
	b.ReportMetric(recall, "ann-recall@10")
	b.ReportMetric(denseRecall, "recall@5")
	b.ReportMetric(float64(f.chunks), "chunks")
}

// documentKeys maps the document ids of ns to their keys.
func documentKeys(ctx context.Context, s *pgstore.Store, ns [][]neighbour) (map[int64]string, error) {
	var ids []int64
	for _, n := range ns {
		for _, x := range n {
			ids = append(ids, x.doc)
		}
	}
	rows, err := s.Pool().Query(ctx, `SELECT id, key FROM documents WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	var id int64
	var key string
	_, err = pgx.ForEachRow(rows, []any{&id, &key}, func() error {
		out[id] = key
		return nil
	})
	return out, err
}

func benchLangchaingo(b *testing.B, f *searchFixture) {
	store := f.langchaingo(b)
	ctx := context.Background()
	search := func(q evalQuery) []string {
		docs, err := store.SimilaritySearch(ctx, q.Question, 5)
		if err != nil {
			b.Fatalf("langchaingo: search %q: %v", q.Question, err)
		}
		ks := make([]string, len(docs))
		for i, d := range docs {
			ks[i], _ = d.Metadata["key"].(string)
		}
		return ks
	}
	got := make([][]string, len(f.queries))
	for i, q := range f.queries {
		got[i] = search(q)
	}
	recall, mrr := evalRecall(b, "langchaingo", f.queries, got)
	lat := make([]time.Duration, 0, searchRounds*len(f.queries))
	for b.Loop() {
		for range searchRounds {
			for _, q := range f.queries {
				start := time.Now()
				search(q)
				lat = append(lat, time.Since(start))
			}
		}
	}
	p := reportLatency(b, "", lat)
	b.ReportMetric(recall, "recall@5")
	b.ReportMetric(mrr, "MRR@5")
	b.ReportMetric(float64(f.chunks), "chunks")
	if f.civP != nil {
		b.ReportMetric(p[50]/f.civP[50], "x-civicbot-p50")
		b.ReportMetric(p[95]/f.civP[95], "x-civicbot-p95")
	}
}

// evalRecall scores results against the expected keys: the share of queries with an
// expected key among their results, and the mean reciprocal rank. Misses are logged.
func evalRecall(b *testing.B, name string, qs []evalQuery, got [][]string) (recall, mrr float64) {
	var misses []string
	for i, q := range qs {
		r := slices.IndexFunc(got[i], func(k string) bool { return slices.Contains(q.Expect, k) })
		if r < 0 {
			misses = append(misses, q.Question)
			continue
		}
		recall++
		mrr += 1 / float64(r+1)
	}
	n := float64(len(qs))
	b.Logf("%s: recall@5 %.3f, MRR %.3f over %d queries%s; misses: %q", name, recall/n, mrr/n, len(qs), byFile(qs, got), misses)
	return recall / n, mrr / n
}

// byFile gives recall@5 by evaluation file, when the queries come from files.
func byFile(qs []evalQuery, got [][]string) string {
	type tally struct{ hits, n int }
	var order []string
	t := map[string]*tally{}
	for i, q := range qs {
		if q.File == "" {
			continue
		}
		if t[q.File] == nil {
			t[q.File] = &tally{}
			order = append(order, q.File)
		}
		t[q.File].n++
		if slices.ContainsFunc(got[i], func(k string) bool { return slices.Contains(q.Expect, k) }) {
			t[q.File].hits++
		}
	}
	var parts []string
	for _, f := range order {
		parts = append(parts, fmt.Sprintf("%s %.3f (%d)", f, float64(t[f].hits)/float64(t[f].n), t[f].n))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// reportLatency reports the 50th, 95th and 99th percentiles of lat in milliseconds
// and returns them by percentile.
func reportLatency(b *testing.B, prefix string, lat []time.Duration) map[float64]float64 {
	if len(lat) == 0 {
		return nil
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	out := map[float64]float64{}
	for _, p := range []float64{50, 95, 99} {
		// Nearest rank.
		i := int(math.Ceil(p/100*float64(len(s)))) - 1
		ms := float64(s[max(i, 0)]) / float64(time.Millisecond)
		out[p] = ms
		b.ReportMetric(ms, fmt.Sprintf("%sp%.0f-ms", prefix, p))
	}
	return out
}
