-- +goose Up
-- LINE webhook events already taken by a replica. LINE delivers an event again when
-- it did not see the acknowledgement in time, and the copy may reach any replica: the
-- first to insert the event's webhookEventId answers it, the others skip it. Rows are
-- purged after a week (LINE stops redelivering long before).
CREATE TABLE line_events (
    id          text PRIMARY KEY,            -- webhookEventId (a ULID)
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX line_events_created ON line_events (created_at);

-- +goose Down
DROP TABLE line_events;
