-- +goose Up
-- A citizen names a medicine inside a sentence (「固胃必朗錠是治什麼的」), without its
-- maker in quotes, its strength or the bracketed generic name of the licence title
-- (「"瑪科隆"舒必朗錠50毫克(斯比樂)」). drug_name is that core name (the maker is kept
-- when the rest is only a dosage form: 「"全可利"膜衣錠」); search looks up every span
-- of the question in it.
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
ANALYZE documents;

-- +goose Down
DROP INDEX documents_drug_name;
DROP FUNCTION drug_name(text);
