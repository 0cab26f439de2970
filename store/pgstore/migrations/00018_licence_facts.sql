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

-- The drug-name leg breaks ties of passage length by key: with the key beside the
-- length, its index gives that order without reading the documents of every passage
-- of equal length.
ALTER TABLE drug_words ADD COLUMN key text;
UPDATE drug_words w SET key = d.key FROM documents d WHERE d.id = w.document_id;
CREATE INDEX drug_words_word_key ON drug_words (word, len, key COLLATE "C");
DROP INDEX drug_words_word;
ANALYZE drug_words;

-- +goose Down
CREATE INDEX drug_words_word ON drug_words (word, len, document_id);
DROP INDEX drug_words_word_key;
ALTER TABLE drug_words DROP COLUMN key;
DROP INDEX documents_facts_unfilled;
DROP INDEX documents_serial;
DROP INDEX documents_name;
ALTER TABLE documents DROP COLUMN name, DROP COLUMN serial, DROP COLUMN key_prefix;
