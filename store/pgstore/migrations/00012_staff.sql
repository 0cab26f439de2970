-- +goose Up
-- Agency staff: accounts, the credentials they hold (console sessions, one-time
-- sign-in links, API tokens; only the SHA-256 of each secret is stored) and the
-- append-only audit log of what they did.
CREATE TABLE staff_accounts (
    id             text PRIMARY KEY,
    email          text NOT NULL UNIQUE,
    name           text NOT NULL DEFAULT '',
    role           text NOT NULL CHECK (role IN ('viewer', 'editor', 'approver', 'admin')),
    password_hash  text NOT NULL DEFAULT '',
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_credentials (
    hash        text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('session', 'link', 'token')),
    account_id  text REFERENCES staff_accounts (id) ON DELETE CASCADE,
    name        text NOT NULL DEFAULT '',
    role        text NOT NULL DEFAULT '',
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    last_used   timestamptz,
    revoked     boolean NOT NULL DEFAULT false
);
CREATE INDEX staff_credentials_kind ON staff_credentials (kind, created_at DESC);
CREATE INDEX staff_credentials_account ON staff_credentials (account_id) WHERE account_id IS NOT NULL;

CREATE TABLE audit_log (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL,
    actor   text NOT NULL,
    action  text NOT NULL,
    target  text NOT NULL DEFAULT '',
    before  text NOT NULL DEFAULT '',
    after   text NOT NULL DEFAULT '',
    addr    text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
-- The log is append-only: nothing may change or delete a line.
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Who drafted and who approved a curated answer: nobody approves their own draft.
ALTER TABLE curated_answers
    ADD COLUMN author      text NOT NULL DEFAULT '',
    ADD COLUMN approved_by text NOT NULL DEFAULT '',
    ADD COLUMN created_at  timestamptz NOT NULL DEFAULT now();

-- A message staff have dealt with in the review queue (drafted an answer from it,
-- dismissed it): it leaves the queue. Deleted with its message.
CREATE TABLE review_marks (
    message_id  text PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    action      text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    actor       text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);

-- The console lists turns filtered by rating (newest first: messages_created).
CREATE INDEX feedback_rating ON feedback (rating, message_id);

-- How many turns each day had, by channel, mode and rating, for the turns the retention
-- purge deleted: the overview keeps its history after the conversations are gone.
CREATE TABLE daily_counts (
    day      date NOT NULL,
    channel  text NOT NULL,
    mode     text NOT NULL,
    rating   text NOT NULL,
    n        bigint NOT NULL,
    PRIMARY KEY (day, channel, mode, rating)
);

-- +goose Down
DROP TABLE daily_counts;
DROP TABLE review_marks;
ALTER TABLE curated_answers DROP COLUMN author, DROP COLUMN approved_by, DROP COLUMN created_at;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only;
DROP TABLE staff_credentials;
DROP TABLE staff_accounts;
