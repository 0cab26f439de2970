-- +goose Up
-- The Latin words of each drug licence (generic and brand names in 英文品名 and
-- 主成分略述) with the length of the passage that holds them: the drug-name leg of the
-- search takes the shortest passages naming a generic drug from this narrow index
-- alone. Reading them from chunks meant a heap visit per passage, thousands for
-- ibuprofen or famotidine at full size (30-50 ms).
CREATE TABLE drug_words (
    word        text   NOT NULL,
    len         int    NOT NULL,
    document_id bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE
);
INSERT INTO drug_words (word, len, document_id)
SELECT DISTINCT w.word, length(c.text), c.document_id
FROM chunks c JOIN documents d ON d.id = c.document_id, unnest(tsvector_to_array(c.tsv)) AS w(word)
WHERE d.dataset = 'tfda_drug' AND w.word ~ '^[a-z]{4,}$';
CREATE INDEX drug_words_word ON drug_words (word, len, document_id);
CREATE INDEX drug_words_document ON drug_words (document_id);
ANALYZE drug_words;

-- +goose Down
DROP TABLE drug_words;
