-- +goose Up
-- Every answered message, with personal data already redacted: the conversation memory
-- that follow-up questions use, and what feedback and staff reviews refer to. Rows
-- older than the retention period are purged (civicbot purge).
CREATE TABLE messages (
    id          text PRIMARY KEY,            -- random, given to channels for feedback
    session_id  text NOT NULL DEFAULT '',    -- '' when the channel keeps no memory
    channel     text NOT NULL,
    question    text NOT NULL,
    answer      text NOT NULL,
    mode        text NOT NULL,
    sources     jsonb NOT NULL DEFAULT '[]',
    topic       jsonb,
    fallback    text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_session ON messages (session_id, created_at DESC) WHERE session_id <> '';
CREATE INDEX messages_created ON messages (created_at);

-- Staff-approved answers, matched before retrieval.
CREATE TABLE curated_answers (
    id          text PRIMARY KEY,
    questions   text[] NOT NULL,
    answer      text NOT NULL,
    sources     jsonb NOT NULL DEFAULT '[]',
    status      text NOT NULL CHECK (status IN ('draft', 'approved', 'retired')),
    expires_at  timestamptz,
    hits        bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A citizen's rating of an answer. One rating per message: a second click replaces
-- the first. Deleted with its message.
CREATE TABLE feedback (
    message_id  text PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    rating      text NOT NULL CHECK (rating IN ('up', 'down')),
    comment     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE feedback;
DROP TABLE curated_answers;
DROP TABLE messages;
