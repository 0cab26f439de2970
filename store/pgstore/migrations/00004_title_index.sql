-- +goose Up
-- A query that is exactly a title (a brand name, a FAQ question) finds it at once.
CREATE INDEX documents_title ON documents (title);

-- +goose Down
DROP INDEX documents_title;
