-- +goose Up
-- The drug-word leg puts valid licences before cancelled ones (a generic name is on
-- thousands of licences, many of them cancelled): the document's status beside the
-- word, so that the index gives that order without reading the documents. The sync
-- writes it with the words; a trigger keeps it when a document's status changes in
-- place (staff suppress or restore, a flag released).
ALTER TABLE drug_words ADD COLUMN status text;
UPDATE drug_words w SET status = d.status FROM documents d WHERE d.id = w.document_id;
CREATE INDEX drug_words_word_status ON drug_words (word, (status = 'cancelled'), len, key COLLATE "C");
DROP INDEX drug_words_word_key;
ANALYZE drug_words;

-- +goose StatementBegin
CREATE FUNCTION drug_words_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE drug_words SET status = NEW.status WHERE document_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER documents_status_changed AFTER UPDATE OF status ON documents
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.dataset = 'tfda_drug')
    EXECUTE FUNCTION drug_words_status();

-- +goose Down
DROP TRIGGER documents_status_changed ON documents;
DROP FUNCTION drug_words_status();
CREATE INDEX drug_words_word_key ON drug_words (word, len, key COLLATE "C");
DROP INDEX drug_words_word_status;
ALTER TABLE drug_words DROP COLUMN status;
