-- +goose Up
-- Documents held out of answers until staff release them (ingest.StatusFlagged): ingest
-- found instructions aimed at an assistant, or numbers or links the allow-list does not
-- allow. One row per document, of the content last flagged: a release is of that
-- content (content_hash) and survives re-ingest of it; changed content is screened again.
ALTER TABLE documents DROP CONSTRAINT IF EXISTS documents_status_check;
ALTER TABLE documents ADD CONSTRAINT documents_status_check
    CHECK (status IN ('active', 'cancelled', 'stale', 'suppressed', 'flagged'));

CREATE TABLE document_flags (
    dataset      text NOT NULL,
    key          text NOT NULL,
    content_hash text NOT NULL,
    -- The status the document has once released.
    status       text NOT NULL CHECK (status IN ('active', 'cancelled', 'stale')),
    reason       text NOT NULL,
    flagged_at   timestamptz NOT NULL DEFAULT now(),
    released_at  timestamptz,
    PRIMARY KEY (dataset, key)
);

-- +goose Down
DROP TABLE document_flags;
UPDATE documents SET status = 'suppressed' WHERE status = 'flagged';
ALTER TABLE documents DROP CONSTRAINT IF EXISTS documents_status_check;
ALTER TABLE documents ADD CONSTRAINT documents_status_check
    CHECK (status IN ('active', 'cancelled', 'stale', 'suppressed'));
