-- +goose Up
-- Document frequency of every keyword lexeme, refreshed by each sync that changes
-- chunks: PostgreSQL's text ranking has no inverse document frequency, and without it
-- 「怎麼辦」 outweighs 「愛心卡」.
CREATE TABLE lexemes (
    word text PRIMARY KEY,
    ndoc integer NOT NULL
);

-- +goose Down
DROP TABLE lexemes;
