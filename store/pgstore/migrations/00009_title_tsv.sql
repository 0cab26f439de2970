-- +goose Up
-- The lexemes of each document's title, on the document: the weighted keyword leg
-- doubles a query word found in a title, and asking each matching passage's tsvector
-- for its title-weighted lexemes cost half of that leg (a detoasted tsvector a row).
ALTER TABLE documents ADD COLUMN title_tsv tsvector NOT NULL DEFAULT ''::tsvector;
UPDATE documents d SET title_tsv = x.tsv
FROM (
    SELECT c.document_id, array_to_tsvector(array_agg(DISTINCT u.lexeme)) AS tsv
    FROM chunks c, unnest(c.tsv) AS u
    WHERE c.ord = 0 AND 'A' = ANY (u.weights)
    GROUP BY c.document_id
) x
WHERE x.document_id = d.id;

-- +goose Down
ALTER TABLE documents DROP COLUMN title_tsv;
