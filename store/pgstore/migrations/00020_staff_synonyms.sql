-- +goose Up
-- Synonym groups staff maintain beside the built-in lists (retrieval/lexicons): drafted
-- by an editor, approved by someone else. They act on the query side only, so a change
-- needs no re-index; every replica reads them again when the trigger announces one.
CREATE TABLE staff_synonyms (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    words       text[] NOT NULL,
    status      text NOT NULL CHECK (status IN ('draft', 'approved', 'retired')),
    author      text NOT NULL DEFAULT '',
    approved_by text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose StatementBegin
CREATE FUNCTION notify_synonyms_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('civicbot_synonyms', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER staff_synonyms_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff_synonyms
    FOR EACH STATEMENT EXECUTE FUNCTION notify_synonyms_changed();

-- +goose Down
DROP TRIGGER staff_synonyms_changed ON staff_synonyms;
DROP FUNCTION notify_synonyms_changed();
DROP TABLE staff_synonyms;
