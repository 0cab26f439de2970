-- +goose Up
-- Facts of a licence that search compares as they are, derived in Go when a document is
-- written (retrieval.LicenceCoreName, LicenceKeySerial, LicenceKeyPrefix), so that the
-- database no longer mirrors Go in SQL (drug_name, substring(key ...)), which had
-- drifted from it («60 μg» was a strength to Go, a name to SQL). Rows written before
-- are filled in Go when a store next opens the database (a NULL key_prefix marks
-- them). drug_name and its index stay until no replica of the previous version reads
-- them; a later migration drops them.
ALTER TABLE documents ADD COLUMN name text, ADD COLUMN serial text, ADD COLUMN key_prefix text;
CREATE INDEX documents_name ON documents (name) WHERE dataset = 'tfda_drug';
CREATE INDEX documents_serial ON documents (serial) WHERE dataset = 'tfda_drug';
CREATE INDEX documents_facts_unfilled ON documents (id) WHERE dataset = 'tfda_drug' AND key_prefix IS NULL;

-- +goose Down
DROP INDEX documents_facts_unfilled;
DROP INDEX documents_serial;
DROP INDEX documents_name;
ALTER TABLE documents DROP COLUMN name, DROP COLUMN serial, DROP COLUMN key_prefix;
