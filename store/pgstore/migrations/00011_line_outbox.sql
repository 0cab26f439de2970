-- +goose Up
-- The LINE outbox: events acknowledged to LINE (which does not deliver them again) and
-- their answers until delivered. A row is written, in the transaction that records the
-- event id in line_events, before the webhook answers 200; workers claim rows under a
-- lease (FOR UPDATE SKIP LOCKED), so that a crashed process's rows are taken over by
-- another process once the lease ends; a row is deleted when its answer is delivered.
-- It holds the event as LINE sent it (the user's id and text) only that long.
CREATE TABLE line_outbox (
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    id          text PRIMARY KEY,                -- webhookEventId, as in line_events
    chat        text NOT NULL,                   -- the chat's keyed hash: a chat's rows go in seq order
    event       bytea NOT NULL,                  -- the webhook event's JSON
    received    timestamptz NOT NULL,
    retry_key   text NOT NULL,                   -- X-Line-Retry-Key of the push (a UUID)
    answer      bytea,                           -- the messages to send, once made
    sends       integer NOT NULL DEFAULT 0,      -- failed delivery attempts
    uncertain   boolean NOT NULL DEFAULT false,  -- an attempt may have been delivered
    not_before  timestamptz NOT NULL DEFAULT now(),
    owner       text,                            -- the claiming process
    lease_until timestamptz,
    claims      integer NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX line_outbox_chat_seq ON line_outbox (chat, seq);
CREATE INDEX line_outbox_seq ON line_outbox (seq);
CREATE INDEX line_outbox_owner ON line_outbox (owner) WHERE owner IS NOT NULL;

-- +goose Down
DROP TABLE line_outbox;
