package memstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/ingest"
	bolt "go.etcd.io/bbolt"
)

// Sync makes the store hold exactly what batches say for their sources, as
// pgstore.Sync does: a source's records are diffed with the stored ones by hash; the
// documents whose records changed are composed again from every source's records, and
// only those whose content changed are chunked and embedded again; a document no
// source describes any more is removed; a document suppressed by staff stays
// suppressed; a source that would lose more than ingest.MaxShrink of its records is
// refused unless opt.AllowShrink.
//
// Everything is written in one transaction, after the embedding: a sync that fails or
// is cancelled changes nothing, and one that returns has reached the disk. Searches
// see the old data until the new is in place. Conversation writes go on during the
// embedding; only one sync runs at a time.
func (s *Store) Sync(ctx context.Context, batches []*ingest.Batch, opt ingest.SyncOptions) (ingest.SyncStats, error) {
	if s.closed.Load() {
		return ingest.SyncStats{}, ErrClosed
	}
	s.docMu.Lock()
	defer s.docMu.Unlock()
	started := time.Now()
	// The index lives in memory: a streamed batch's records are read here, once.
	var err error
	for _, b := range batches {
		if err = b.Collect(ctx); err != nil {
			break
		}
	}
	p := &plan{}
	if err == nil {
		p, err = s.plan(ctx, batches, opt)
	}
	var changes []docChange
	if err == nil {
		changes, err = s.commit(ctx, p, batches, started)
	}
	if err != nil {
		// The run's own transaction rolled back; record the failure on its own so
		// that staff see it, unless the context is what failed.
		if ctx.Err() == nil {
			rerr := s.update(func(tx *bolt.Tx) error { return putRun(tx, batches, started, p.st, err) })
			if rerr != nil {
				s.log.Warn("record failed ingest run", "err", rerr)
			}
		}
		return ingest.SyncStats{}, err
	}
	s.publish(changes)
	p.lap("index")
	return p.st, nil
}

// plan is what a sync will write, worked out from a read transaction, and embedded.
type plan struct {
	st      ingest.SyncStats
	sources map[string]sourceRow
	// Record keys (of bucketRecords) to delete, and records to put.
	delRecords [][]byte
	putRecords []recordPut
	removes    []docKey
	writes     []docWrite
	// bumps are the new snapshot dates of documents that are not rewritten.
	bumps map[docKey]time.Time
	log   func(phase string, d time.Duration)
	phase time.Time
	opt   ingest.SyncOptions
}

func (p *plan) lap(name string) {
	if p != nil && p.log != nil {
		p.log(name, time.Since(p.phase))
		p.phase = time.Now()
	}
}

type recordPut struct {
	key   []byte // of bucketRecords
	value []byte
}

// docWrite is a document to write with its chunks and their embeddings.
type docWrite struct {
	key      docKey
	doc      ingest.Document
	old      *docRow // nil for a new document
	chunks   []ingest.Chunk
	vecs     [][]float32
	prepared []newChunk
}

type recKey struct{ dataset, key, facet string }

// plan reads what the sync changes, composes the documents and embeds their chunks.
// It writes nothing.
func (s *Store) plan(ctx context.Context, batches []*ingest.Batch, opt ingest.SyncOptions) (*plan, error) {
	p := &plan{sources: map[string]sourceRow{}, bumps: map[docKey]time.Time{}, phase: time.Now(), opt: opt,
		log: func(phase string, d time.Duration) { s.log.Debug("sync phase", "phase", phase, "duration", d) }}
	affected := map[docKey]bool{}
	present := map[docKey]bool{}
	inRun := map[docKey][]ingest.Record{}
	// runSources are the sources whose stored records this run replaces.
	runSources := map[string]bool{}
	stored := map[string]sourceRow{}
	var keys []docKey
	composed := map[docKey]ingest.Document{}
	existing := map[docKey]*docRow{}
	err := s.view(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketSources).ForEach(func(k, v []byte) error {
			var row sourceRow
			if err := json.Unmarshal(v, &row); err != nil {
				return fmt.Errorf("source %s: %w", k, err)
			}
			stored[string(k)] = row
			return nil
		}); err != nil {
			return err
		}
		for _, b := range batches {
			if b.Unchanged {
				if err := sourceDocuments(tx, b.Source, present); err != nil {
					return err
				}
				continue
			}
			if runSources[b.Source] {
				return fmt.Errorf("sync: source %s appears twice in one run", b.Source)
			}
			runSources[b.Source] = true
			p.st.Rejected += len(b.Rejects)
			for _, r := range b.Records {
				k := docKey{r.Dataset, r.Key}
				present[k] = true
				inRun[k] = append(inRun[k], r)
			}
			if err := p.syncRecords(tx, b, stored, opt, affected); err != nil {
				return err
			}
		}
		p.st.Documents = len(present)
		p.st.Unchanged = len(present)
		p.lap("records")

		keys = make([]docKey, 0, len(affected))
		for k := range affected {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b docKey) int {
			if a.dataset != b.dataset {
				return strings.Compare(a.dataset, b.dataset)
			}
			return strings.Compare(a.key, b.key)
		})
		if err := compose(tx, keys, inRun, runSources, stored, composed); err != nil {
			return err
		}
		docs := tx.Bucket(bucketDocuments)
		for _, k := range keys {
			if v := docs.Get(appendKey(nil, k.dataset, k.key)); v != nil {
				row, err := decodeDoc(v)
				if err != nil {
					return fmt.Errorf("document %s/%s: %w", k.dataset, k.key, err)
				}
				existing[k] = &row
			}
		}
		p.lap("compose")
		for _, k := range keys {
			old, had := existing[k]
			d, has := composed[k]
			switch {
			case !has && had:
				p.removes = append(p.removes, k)
				p.st.Removed++
			case !has:
			case !had:
				p.writes = append(p.writes, docWrite{key: k, doc: d})
				p.st.Added++
			case old.Hash != d.Hash:
				p.writes = append(p.writes, docWrite{key: k, doc: d, old: old})
				p.st.Changed++
			default:
				continue
			}
			if present[k] {
				p.st.Unchanged--
			}
		}
		return p.snapshotBumps(tx, batches, stored, existing)
	})
	if err != nil {
		return p, fmt.Errorf("memstore: sync: %w", err)
	}
	if err := s.embed(ctx, p, opt); err != nil {
		return p, err
	}
	return p, nil
}

// sourceDocuments adds the documents a source's stored records describe to present.
func sourceDocuments(tx *bolt.Tx, source string, present map[docKey]bool) error {
	prefix := appendKey(nil, source)
	c := tx.Bucket(bucketRecords).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		parts, _, ok := splitKey(k[len(prefix):], 2)
		if !ok {
			return fmt.Errorf("record key %x", k)
		}
		present[docKey{parts[0], parts[1]}] = true
	}
	return nil
}

// syncRecords plans the replacement of a source's records with the batch's, and adds
// the documents whose records change to affected.
func (p *plan) syncRecords(tx *bolt.Tx, b *ingest.Batch, stored map[string]sourceRow, opt ingest.SyncOptions, affected map[docKey]bool) error {
	p.sources[b.Source] = sourceRow{Format: b.Format, Snapshot: dateOf(b.Snapshot), Files: nonNil(b.Files), Digest: b.Digest,
		Records: len(b.Records), UpdatedAt: time.Now()}
	prefix := appendKey(nil, b.Source)
	old := map[recKey]string{}
	c := tx.Bucket(bucketRecords).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		parts, _, ok := splitKey(k[len(prefix):], 3)
		if !ok {
			return fmt.Errorf("record key %x", k)
		}
		old[recKey{parts[0], parts[1], parts[2]}] = recordHash(v)
	}
	seen := make(map[recKey]bool, len(b.Records))
	for _, r := range b.Records {
		rk := recKey{r.Dataset, r.Key, r.Facet}
		if seen[rk] {
			return fmt.Errorf("sync %s: record %s/%s/%s appears twice", b.Source, r.Dataset, r.Key, r.Facet)
		}
		seen[rk] = true
		h := ingest.RecordHash(r)
		if oh, ok := old[rk]; ok && oh == h {
			continue
		}
		row := recordRow{Title: r.Title, URL: r.URL, Body: r.Text, Status: string(r.Status), Date: dateOf(r.Date)}
		if len(r.Fields) > 0 {
			f, err := json.Marshal(r.Fields)
			if err != nil {
				return fmt.Errorf("sync %s: record %s: %w", b.Source, r.Key, err)
			}
			row.Fields = f
		}
		v, err := encodeRecord(h, row)
		if err != nil {
			return fmt.Errorf("sync %s: record %s: %w", b.Source, r.Key, err)
		}
		p.putRecords = append(p.putRecords, recordPut{appendKey(nil, b.Source, r.Dataset, r.Key, r.Facet), v})
		affected[docKey{r.Dataset, r.Key}] = true
	}
	removed := 0
	for rk := range old {
		if !seen[rk] {
			p.delRecords = append(p.delRecords, appendKey(nil, b.Source, rk.dataset, rk.key, rk.facet))
			affected[docKey{rk.dataset, rk.key}] = true
			removed++
		}
	}
	if !opt.AllowShrink && len(old) >= 20 && float64(removed) > ingest.MaxShrink*float64(len(old)) {
		return fmt.Errorf("sync %s: %w: it would remove %d of %d stored records; check the file, or pass --allow-shrink if the export really shrank",
			b.Source, ingest.ErrShrink, removed, len(old))
	}
	return nil
}

// compose composes the documents of keys from the records of this run (inRun) and the
// stored records of every source the run does not replace.
func compose(tx *bolt.Tx, keys []docKey, inRun map[docKey][]ingest.Record, runSources map[string]bool, sources map[string]sourceRow, out map[docKey]ingest.Document) error {
	recDocs := tx.Bucket(bucketRecDocs).Cursor()
	records := tx.Bucket(bucketRecords)
	for _, k := range keys {
		rs := slices.Clone(inRun[k])
		prefix := appendKey(nil, k.dataset, k.key)
		for rk, _ := recDocs.Seek(prefix); rk != nil && bytes.HasPrefix(rk, prefix); rk, _ = recDocs.Next() {
			parts, _, ok := splitKey(rk[len(prefix):], 2)
			if !ok {
				return fmt.Errorf("record index key %x", rk)
			}
			source, facet := parts[0], parts[1]
			if runSources[source] {
				continue
			}
			v := records.Get(appendKey(nil, source, k.dataset, k.key, facet))
			if v == nil {
				return fmt.Errorf("record %s/%s/%s of %s: indexed but missing", k.dataset, k.key, facet, source)
			}
			row, err := decodeRecord(v)
			if err != nil {
				return fmt.Errorf("record %s/%s of %s: %w", k.dataset, k.key, source, err)
			}
			r := ingest.Record{Dataset: k.dataset, Key: k.key, Facet: facet, Title: row.Title, URL: row.URL, Text: row.Body,
				Status: corpus.Status(row.Status), Date: row.Date, Snapshot: sources[source].Snapshot}
			if len(row.Fields) > 0 {
				if err := json.Unmarshal(row.Fields, &r.Fields); err != nil {
					return fmt.Errorf("record %s/%s of %s: %w", k.dataset, k.key, source, err)
				}
			}
			rs = append(rs, r)
		}
		if len(rs) > 0 {
			out[k] = ingest.Compose(rs)
		}
	}
	return nil
}

// snapshotBumps plans the new export date of the documents of each source whose
// snapshot changed: citizens are shown it, but unchanged documents need no rewrite.
func (p *plan) snapshotBumps(tx *bolt.Tx, batches []*ingest.Batch, stored map[string]sourceRow, existing map[docKey]*docRow) error {
	rewritten := map[docKey]bool{}
	for _, w := range p.writes {
		rewritten[w.key] = true
	}
	for _, k := range p.removes {
		rewritten[k] = true
	}
	docs := tx.Bucket(bucketDocuments)
	for _, b := range batches {
		snap := dateOf(b.Snapshot)
		if b.Unchanged || snap.IsZero() || stored[b.Source].Snapshot.Equal(snap) {
			continue
		}
		for _, r := range b.Records {
			k := docKey{r.Dataset, r.Key}
			if rewritten[k] || !p.bumps[k].Before(snap) {
				continue
			}
			row := existing[k]
			if row == nil {
				v := docs.Get(appendKey(nil, k.dataset, k.key))
				if v == nil {
					continue
				}
				dr, err := decodeDoc(v)
				if err != nil {
					return fmt.Errorf("document %s/%s: %w", k.dataset, k.key, err)
				}
				row = &dr
				existing[k] = row
			}
			if row.Snapshot.IsZero() || row.Snapshot.Before(snap) {
				p.bumps[k] = snap
			}
		}
	}
	return nil
}

// embed chunks the documents to write and embeds their chunks; nothing is written.
func (s *Store) embed(ctx context.Context, p *plan, opt ingest.SyncOptions) error {
	var texts []string
	for i := range p.writes {
		w := &p.writes[i]
		w.chunks = ingest.Chunks(w.doc)
		for _, c := range w.chunks {
			texts = append(texts, ingest.EmbedText(w.doc, c))
		}
	}
	if len(texts) == 0 {
		return ctx.Err()
	}
	var progress func(int)
	if opt.Progress != nil {
		progress = func(done int) { opt.Progress("embed", done, len(texts)) }
	}
	vecs, err := ingest.Embed(ctx, s.embedder, texts, progress)
	if err != nil {
		return err
	}
	p.lap("embed")
	for i, v := range vecs {
		if len(v) != s.info.Dim {
			return fmt.Errorf("memstore: embedder %q returned %d dimensions for chunk %d, want %d", s.info.Name, len(v), i, s.info.Dim)
		}
	}
	type job struct{ w, c, v int }
	var jobs []job
	n := 0
	for i := range p.writes {
		w := &p.writes[i]
		w.vecs = vecs[n : n+len(w.chunks)]
		w.prepared = make([]newChunk, len(w.chunks))
		for c := range w.chunks {
			jobs = append(jobs, job{i, c, n})
			n++
		}
	}
	// The keyword index of the new chunks is made now, before anything is written.
	parallel(len(jobs), func(i int) {
		j := jobs[i]
		w := &p.writes[j.w]
		w.prepared[j.c] = prepareChunk(w.doc.Title, w.chunks[j.c].Text, vecs[j.v])
	})
	p.st.Chunks = len(texts)
	p.lap("keywords")
	return ctx.Err()
}

// commit writes the plan in one transaction and returns the changes to make to the
// index once it has committed.
func (s *Store) commit(ctx context.Context, p *plan, batches []*ingest.Batch, started time.Time) ([]docChange, error) {
	var changes []docChange
	err := s.update(func(tx *bolt.Tx) error {
		changes = changes[:0]
		if err := ctx.Err(); err != nil {
			return err
		}
		srcB, recB, recDocB := tx.Bucket(bucketSources), tx.Bucket(bucketRecords), tx.Bucket(bucketRecDocs)
		docB, bodyB, chunkB := tx.Bucket(bucketDocuments), tx.Bucket(bucketBodies), tx.Bucket(bucketChunks)
		for name, row := range p.sources {
			v, err := json.Marshal(row)
			if err != nil {
				return err
			}
			if err := srcB.Put([]byte(name), v); err != nil {
				return err
			}
		}
		for _, k := range p.delRecords {
			if err := recB.Delete(k); err != nil {
				return err
			}
			if err := recDocB.Delete(recordDocKey(k)); err != nil {
				return err
			}
		}
		// Keys in order fill bbolt's pages; a bulk load then packs them.
		if len(p.putRecords) > 1000 {
			recB.FillPercent, recDocB.FillPercent, docB.FillPercent, bodyB.FillPercent = 0.9, 0.9, 0.9, 0.9
		}
		slices.SortFunc(p.putRecords, func(a, b recordPut) int { return bytes.Compare(a.key, b.key) })
		recDocs := make([][]byte, len(p.putRecords))
		for i, r := range p.putRecords {
			if err := recB.Put(r.key, r.value); err != nil {
				return err
			}
			recDocs[i] = recordDocKey(r.key)
		}
		slices.SortFunc(recDocs, bytes.Compare)
		for _, k := range recDocs {
			if err := recDocB.Put(k, nil); err != nil {
				return err
			}
		}
		p.lap("write records")
		for _, k := range p.removes {
			dk := appendKey(nil, k.dataset, k.key)
			row, err := decodeDoc(docB.Get(dk))
			if err != nil {
				return fmt.Errorf("document %s/%s: %w", k.dataset, k.key, err)
			}
			for _, id := range row.Chunks {
				if err := chunkB.Delete(u64(id)); err != nil {
					return err
				}
			}
			if err := docB.Delete(dk); err != nil {
				return err
			}
			if err := bodyB.Delete(dk); err != nil {
				return err
			}
			changes = append(changes, docChange{key: k})
		}
		// New chunks get ever larger ids: they are appended, and pages filled.
		chunkB.FillPercent = 0.95
		now := time.Now()
		var docPuts, bodyPuts []recordPut
		for _, w := range p.writes {
			row := docRow{Title: w.doc.Title, URL: w.doc.URL, Hash: w.doc.Hash, Snapshot: dateOf(w.doc.Snapshot),
				Status: string(w.doc.Status), UpdatedAt: now, Facets: []byte("{}")}
			if w.doc.Facets != nil {
				f, err := json.Marshal(w.doc.Facets)
				if err != nil {
					return fmt.Errorf("document %s: %w", w.doc.Key, err)
				}
				row.Facets = f
			}
			if w.old != nil {
				row.ID = w.old.ID
				for _, id := range w.old.Chunks {
					if err := chunkB.Delete(u64(id)); err != nil {
						return err
					}
				}
				// Staff suppression outlives re-ingest.
				if w.old.Status == string(corpus.StatusSuppressed) {
					row.Status = w.old.Status
				}
			}
			if row.Status != string(corpus.StatusSuppressed) {
				if err := screen(tx, w.doc, &row, p.opt, now); err != nil {
					return err
				}
			}
			if w.old != nil {
			} else {
				id, err := docB.NextSequence()
				if err != nil {
					return err
				}
				row.ID = id
			}
			row.Chunks = make([]uint64, len(w.chunks))
			for i, c := range w.chunks {
				id, err := chunkB.NextSequence()
				if err != nil {
					return err
				}
				row.Chunks[i] = id
				if err := chunkB.Put(u64(id), encodeChunk(chunk{doc: row.ID, ord: c.Ord, vec: w.vecs[i], text: c.Text, tsv: w.prepared[i].enc})); err != nil {
					return err
				}
			}
			dk := appendKey(nil, w.key.dataset, w.key.key)
			docPuts = append(docPuts, recordPut{dk, encodeDoc(row)})
			bodyPuts = append(bodyPuts, recordPut{dk, []byte(w.doc.Body)})
			changes = append(changes, docChange{key: w.key, doc: newDoc(w.key.dataset, w.key.key, row, snippet(w.doc.Body)), chunks: w.prepared})
		}
		for _, puts := range []struct {
			b  *bolt.Bucket
			kv []recordPut
		}{{docB, docPuts}, {bodyB, bodyPuts}} {
			slices.SortFunc(puts.kv, func(a, b recordPut) int { return bytes.Compare(a.key, b.key) })
			for _, kv := range puts.kv {
				if err := puts.b.Put(kv.key, kv.value); err != nil {
					return err
				}
			}
		}
		for k, snap := range p.bumps {
			dk := appendKey(nil, k.dataset, k.key)
			row, err := decodeDoc(docB.Get(dk))
			if err != nil {
				return fmt.Errorf("document %s/%s: %w", k.dataset, k.key, err)
			}
			row.Snapshot = snap
			if err := docB.Put(dk, encodeDoc(row)); err != nil {
				return err
			}
			changes = append(changes, docChange{key: k, doc: newDoc(k.dataset, k.key, row, ""), keepChunks: true})
		}
		if len(p.writes) > 0 {
			if err := tx.Bucket(bucketMeta).Put([]byte(metaTokenizer), []byte(tokenizer())); err != nil {
				return err
			}
		}
		p.lap("write documents")
		if err := putRun(tx, batches, started, p.st, nil); err != nil {
			return err
		}
		// A sync cancelled while it wrote changes nothing.
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: sync: %w", err)
	}
	p.lap("commit")
	return changes, nil
}

// recordDocKey turns a key of bucketRecords (source, dataset, key, facet) into the
// key of bucketRecDocs (dataset, key, source, facet).
func recordDocKey(k []byte) []byte {
	parts, _, _ := splitKey(k, 4)
	if len(parts) != 4 {
		return k
	}
	return appendKey(nil, parts[1], parts[2], parts[0], parts[3])
}

// publish makes the changes of a committed transaction visible to searches.
func (s *Store) publish(changes []docChange) {
	if len(changes) == 0 {
		return
	}
	nx := s.idx.Load().apply(changes)
	// Removed chunks keep their place in memory until the index is rebuilt: rebuild
	// it when they outnumber the live ones.
	if nx.deadChunks > 1000 && nx.deadChunks > nx.liveChunks {
		if fresh, err := s.loadIndex(); err == nil {
			nx = fresh
		} else {
			s.log.Warn("rebuild search index", "err", err)
		}
	}
	s.idx.Store(nx)
	s.gen.Add(1) // after the index: a search that read the old one is not kept
}

// maxStoredRejects bounds the rejects kept with a run; the count is always exact.
const maxStoredRejects = 1000

func putRun(tx *bolt.Tx, batches []*ingest.Batch, started time.Time, st ingest.SyncStats, runErr error) error {
	row := Run{StartedAt: started, DurationMS: time.Since(started).Milliseconds(), OK: runErr == nil,
		Documents: st.Documents, Added: st.Added, Changed: st.Changed, Unchanged: st.Unchanged, Removed: st.Removed,
		Rejected: st.Rejected, Sources: []string{}, Files: []string{}}
	rejects := []ingest.Reject{}
	for _, b := range batches {
		row.Sources = append(row.Sources, b.Source)
		row.Files = append(row.Files, b.Files...)
		for _, r := range b.Rejects {
			if len(rejects) < maxStoredRejects {
				rejects = append(rejects, r)
			}
		}
	}
	row.Rejects = rejects
	row.Text = ingest.TextBySource(batches)
	if runErr != nil {
		row.Error = runErr.Error()
	}
	v, err := json.Marshal(row)
	if err != nil {
		return fmt.Errorf("memstore: record run: %w", err)
	}
	b := tx.Bucket(bucketRuns)
	id, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("memstore: record run: %w", err)
	}
	return b.Put(u64(id), v)
}

// Runs returns the recorded ingest runs, oldest first: what an operator reads to see
// what each run did and why one failed.
func (s *Store) Runs(ctx context.Context) ([]Run, error) {
	var out []Run
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
			var r Run
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: runs: %w", err)
	}
	return out, nil
}

// Run is a recorded ingest run.
type Run struct {
	Sources    []string        `json:"sources"`
	Files      []string        `json:"files"`
	StartedAt  time.Time       `json:"started_at"`
	DurationMS int64           `json:"duration_ms"`
	OK         bool            `json:"ok"`
	Error      string          `json:"error,omitempty"`
	Documents  int             `json:"documents"`
	Added      int             `json:"added"`
	Changed    int             `json:"changed"`
	Unchanged  int             `json:"unchanged"`
	Removed    int             `json:"removed"`
	Rejected   int             `json:"rejected"`
	Rejects    []ingest.Reject `json:"rejects"`
	// Text counts, by source, the broken characters (U+FFFD) and those repaired.
	Text []ingest.SourceText `json:"text,omitempty"`
}

// SourceDigests returns the digest of every source's files at its last successful run.
func (s *Store) SourceDigests(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSources).ForEach(func(k, v []byte) error {
			var row sourceRow
			if err := json.Unmarshal(v, &row); err != nil {
				return fmt.Errorf("source %s: %w", k, err)
			}
			out[string(k)] = row.Digest
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("memstore: sources: %w", err)
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
