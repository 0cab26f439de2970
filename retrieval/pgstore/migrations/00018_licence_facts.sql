-- +goose Up
-- Facts of a licence that search compares as they are, derived in Go when a document is
-- written (retrieval.LicenceCoreName, LicenceKeySerial, LicenceKeyPrefix), so that the
-- database no longer mirrors Go in SQL (drug_name, substring(key ...)). Rows written
-- before this migration are filled here by the SQL that gave the same values; every
-- sync that writes a document writes the Go ones.
ALTER TABLE documents ADD COLUMN name text, ADD COLUMN serial text, ADD COLUMN key_prefix text;
UPDATE documents SET name = drug_name(title), serial = substring(key from '[0-9]{5,7}'),
    key_prefix = substring(key from '^[^0-9]*')
WHERE dataset = 'tfda_drug';
CREATE INDEX documents_name ON documents (name) WHERE dataset = 'tfda_drug';
CREATE INDEX documents_serial ON documents (serial) WHERE dataset = 'tfda_drug';
DROP INDEX documents_drug_name;
DROP INDEX documents_licence_serial;
DROP FUNCTION drug_name(text);
ANALYZE documents;

-- +goose Down
-- +goose StatementBegin
CREATE FUNCTION drug_name(title text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
SELECT nullif(lower(regexp_replace(
    CASE WHEN char_length(regexp_replace(bare, '(持續性藥效膜衣錠|持續性藥效錠|膜衣錠|糖衣錠|腸溶錠|錠劑|錠|軟膠囊|膠囊|注射液|注射劑|液|乳膏|軟膏)$', '')) >= 2
      THEN bare ELSE quoted END,
    '[\s"“”〝〞「」『』''‘’·•・]', '', 'g')), '')
FROM (SELECT
    regexp_replace(regexp_replace(unbracketed, '["“〝「『][^"”〞」』]*["”〞」』]', '', 'g'), '[0-9][0-9.,/\s]*(毫克|公絲|微公克|公克|微克|毫升|公撮|單位|mg|g|mcg|µg|ml|iu|%).*$', '', 'gi') AS bare,
    regexp_replace(unbracketed, '[0-9][0-9.,/\s]*(毫克|公絲|微公克|公克|微克|毫升|公撮|單位|mg|g|mcg|µg|ml|iu|%).*$', '', 'gi') AS quoted
  FROM (SELECT regexp_replace(normalize(title, NFKC), '[(\[【〔][^)\]】〕]*[)\]】〕]', '', 'g') AS unbracketed) u) n
$$;
-- +goose StatementEnd
CREATE INDEX documents_drug_name ON documents (drug_name(title)) WHERE dataset = 'tfda_drug';
CREATE INDEX documents_licence_serial ON documents ((substring(key from '\d{5,7}'))) WHERE dataset = 'tfda_drug';
DROP INDEX documents_serial;
DROP INDEX documents_name;
ALTER TABLE documents DROP COLUMN name, DROP COLUMN serial, DROP COLUMN key_prefix;
