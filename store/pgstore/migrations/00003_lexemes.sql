-- +goose Up
-- Document frequency of every keyword lexeme, refreshed by each sync that changes
-- chunks: PostgreSQL's text ranking has no inverse document frequency, and without it
-- 「怎麼辦」 outweighs 「愛心卡」.
CREATE TABLE lexemes (
    word text PRIMARY KEY,
    ndoc integer NOT NULL
);
-- Spelling correction looks up words by their first two letters and length.
CREATE INDEX lexemes_prefix ON lexemes (left(word, 2), length(word));

-- +goose Down
DROP TABLE lexemes;
