-- +goose Up
CREATE EXTENSION IF NOT EXISTS vector;

-- Settings the store must keep consistent, such as the embedder whose vectors it holds.
CREATE TABLE settings (
    name  text PRIMARY KEY,
    value text NOT NULL
);

-- A source is one official export kept in full (tfda-36, tfda-42, taipei-faq, ...).
CREATE TABLE sources (
    name       text PRIMARY KEY,
    format     text NOT NULL,
    snapshot   date,
    files      text[] NOT NULL DEFAULT '{}',
    records    integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- What one source says about one document (a whole FAQ, or one facet of a drug).
CREATE TABLE records (
    source      text NOT NULL REFERENCES sources (name) ON DELETE CASCADE,
    dataset     text NOT NULL,
    key         text NOT NULL,
    facet       text NOT NULL,
    hash        text NOT NULL,
    title       text NOT NULL DEFAULT '',
    url         text NOT NULL DEFAULT '',
    body        text NOT NULL DEFAULT '',
    fields      jsonb,
    status      text NOT NULL DEFAULT '',
    record_date date,
    PRIMARY KEY (source, dataset, key, facet)
);
CREATE INDEX records_document ON records (dataset, key);

-- One document per natural key, composed from every source's records.
CREATE TABLE documents (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset      text NOT NULL,
    key          text NOT NULL,
    title        text NOT NULL,
    url          text NOT NULL DEFAULT '',
    body         text NOT NULL DEFAULT '',
    facets       jsonb NOT NULL DEFAULT '{}',
    content_hash text NOT NULL,
    snapshot     date,
    status       text NOT NULL CHECK (status IN ('active', 'cancelled', 'stale', 'suppressed')),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (dataset, key)
);
CREATE INDEX documents_key ON documents (key);

-- Passages of documents: the unit embedded and searched. The embedding column gets its
-- dimension from the configured embedder at first use (see Store.EnsureEmbedder), and
-- its HNSW index is built after the first bulk load.
CREATE TABLE chunks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    ord         integer NOT NULL,
    text        text NOT NULL,
    embedding   vector,
    -- Tokens made in Go (CJK bigrams, Latin words and codes): PostgreSQL's parsers do
    -- not split Chinese, but the simple configuration splits these on spaces.
    kw_title    text NOT NULL DEFAULT '',
    kw_body     text NOT NULL DEFAULT '',
    tsv         tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('simple', kw_title), 'A') ||
                    setweight(to_tsvector('simple', kw_body), 'D')) STORED,
    UNIQUE (document_id, ord)
);
CREATE INDEX chunks_tsv ON chunks USING gin (tsv);

CREATE TABLE ingest_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sources     text[] NOT NULL,
    files       text[] NOT NULL DEFAULT '{}',
    started_at  timestamptz NOT NULL,
    duration_ms bigint NOT NULL,
    ok          boolean NOT NULL,
    error       text NOT NULL DEFAULT '',
    documents   integer NOT NULL DEFAULT 0,
    added       integer NOT NULL DEFAULT 0,
    changed     integer NOT NULL DEFAULT 0,
    unchanged   integer NOT NULL DEFAULT 0,
    removed     integer NOT NULL DEFAULT 0,
    rejected    integer NOT NULL DEFAULT 0,
    rejects     jsonb NOT NULL DEFAULT '[]'
);

-- +goose Down
DROP TABLE ingest_runs, chunks, documents, records, sources, settings;
