-- Levels: each routine's holds and repetitions scale by level (content).
ALTER TABLE users
    -- 1-based; NULL is the routine's standard level.
    ADD COLUMN level SMALLINT CHECK (level >= 1),
    -- Ask for pain 0-10 before a guided session.
    ADD COLUMN ask_pain BOOLEAN NOT NULL DEFAULT true;

ALTER TABLE guided_sessions
    -- The level the session was started at; 0 means the standard level.
    ADD COLUMN level SMALLINT NOT NULL DEFAULT 0 CHECK (level >= 0);

-- Every level change and why: pain, progress, or the user asking.
CREATE TABLE level_changes (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL,
    from_level  SMALLINT NOT NULL,
    to_level    SMALLINT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX level_changes_user ON level_changes (user_id, at);
