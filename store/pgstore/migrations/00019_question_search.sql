-- +goose Up
-- Staff search the citizens' questions for a piece of text (ILIKE '%…%'): without an
-- index, a search that matches nothing reads every turn of the retention period. A
-- trigram index answers it from the index (pg_trgm is a trusted extension: the
-- database's owner may create it). Patterns shorter than three characters still scan.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_question_trgm ON messages USING gin (question gin_trgm_ops);
-- The review queue reads the unanswered turns newest first.
CREATE INDEX messages_no_answer ON messages (created_at DESC) WHERE mode = 'no_answer';

-- +goose Down
DROP INDEX messages_no_answer;
DROP INDEX messages_question_trgm;
