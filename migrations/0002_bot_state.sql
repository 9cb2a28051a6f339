-- Small facts the bot remembers between starts, such as a hash of the
-- command set it last registered (Discord allows 200 creates a day).
CREATE TABLE bot_state (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
