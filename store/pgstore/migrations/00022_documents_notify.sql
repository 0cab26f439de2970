-- +goose Up
-- Every change of documents (a sync, a status set by staff, a flag released) is
-- announced on civicbot_corpus at its commit, so that the searches kept by every
-- process (retrieval.SearchCache) are forgotten. The payload says it was documents,
-- not the lexemes' recount that the word counts wait for.
-- +goose StatementBegin
CREATE FUNCTION notify_documents_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('civicbot_corpus', 'documents');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER documents_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON documents
    FOR EACH STATEMENT EXECUTE FUNCTION notify_documents_changed();

-- +goose Down
DROP TRIGGER documents_changed ON documents;
DROP FUNCTION notify_documents_changed();
