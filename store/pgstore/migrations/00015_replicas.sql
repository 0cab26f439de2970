-- +goose Up
-- Rate limits shared by every replica: one token bucket per hashed key (a web
-- session, a client IP), taken with one upsert per request. Unlogged: a bucket lives
-- for minutes and is written on every chat request, so WAL and replication would cost
-- more than the table is worth; after a crash PostgreSQL empties it, which only gives
-- every client a full bucket again. Being unlogged it is also absent from standbys,
-- which never take requests.
CREATE UNLOGGED TABLE rate_buckets (
    key    bytea PRIMARY KEY,            -- SHA-256 of scope and key: no session or IP is stored
    tokens double precision NOT NULL,    -- left after the last request
    rate   double precision NOT NULL,    -- tokens a second
    burst  double precision NOT NULL,
    at     timestamptz NOT NULL,         -- of the last request; the bucket is full again at + burst / rate
    ok     boolean NOT NULL              -- whether the last request got a token
);

-- Curated answers changed by any process (a console on another replica, the CLI) are
-- announced, so that every replica reads them again at once. Hit counts are not a change.
-- +goose StatementBegin
CREATE FUNCTION notify_curated_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('civicbot_curated', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER curated_answers_changed AFTER INSERT OR DELETE OR TRUNCATE ON curated_answers
    FOR EACH STATEMENT EXECUTE FUNCTION notify_curated_changed();
CREATE TRIGGER curated_answers_updated AFTER UPDATE ON curated_answers
    FOR EACH ROW WHEN (
        OLD.questions IS DISTINCT FROM NEW.questions OR OLD.answer IS DISTINCT FROM NEW.answer
        OR OLD.sources IS DISTINCT FROM NEW.sources OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.expires_at IS DISTINCT FROM NEW.expires_at)
    EXECUTE FUNCTION notify_curated_changed();

-- +goose Down
DROP TRIGGER curated_answers_updated ON curated_answers;
DROP TRIGGER curated_answers_changed ON curated_answers;
DROP FUNCTION notify_curated_changed();
DROP TABLE rate_buckets;
