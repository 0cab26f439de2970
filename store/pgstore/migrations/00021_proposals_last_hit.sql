-- +goose Up
-- Suppressions and restorations of documents that an editor proposes with a reason and
-- an approver, someone else, decides (four eyes). An approval changes the document's
-- status in the same transaction; a document has at most one pending proposal.
CREATE TABLE document_proposals (
    id           text PRIMARY KEY,
    dataset      text NOT NULL,
    key          text NOT NULL,
    title        text NOT NULL DEFAULT '',
    action       text NOT NULL CHECK (action IN ('suppress', 'restore')),
    reason       text NOT NULL,
    status       text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    proposed_by  text NOT NULL,
    proposed_at  timestamptz NOT NULL,
    decided_by   text NOT NULL DEFAULT '',
    decided_at   timestamptz,
    note         text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX document_proposals_pending ON document_proposals (dataset, key) WHERE status = 'pending';
CREATE INDEX document_proposals_at ON document_proposals (proposed_at DESC, id DESC);

-- When a curated answer was last served, beside its hit count (kept by updates too).
ALTER TABLE curated_answers ADD COLUMN last_hit_at timestamptz;

-- +goose Down
ALTER TABLE curated_answers DROP COLUMN last_hit_at;
DROP TABLE document_proposals;
