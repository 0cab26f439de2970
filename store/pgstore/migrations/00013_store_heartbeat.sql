-- +goose Up
-- One row that /readyz rewrites (at most every few seconds per replica): a store that
-- answers reads but cannot write (read-only, disk full, a revoked permission) is not
-- ready, since every turn and every rating would be lost.
CREATE TABLE store_heartbeat (
    id smallint PRIMARY KEY CHECK (id = 1),
    at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE store_heartbeat;
