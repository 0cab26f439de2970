-- +goose Up
-- Broken characters (U+FFFD) found at ingest, and repaired, by source: ingest.SourceText.
ALTER TABLE ingest_runs ADD COLUMN text_repairs jsonb NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE ingest_runs DROP COLUMN text_repairs;
