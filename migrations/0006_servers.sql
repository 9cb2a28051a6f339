-- Servers with a coach channel: a daily post of the day's routine at the
-- server's local time, and, on Mondays, the streak board of members who
-- opted in. Nothing here names a person: board opt-ins live in
-- board_members, which goes with the user.
CREATE TABLE servers (
    guild_id          BIGINT PRIMARY KEY,
    channel_id        BIGINT NOT NULL,
    -- Minutes after local midnight.
    post_minute       SMALLINT NOT NULL CHECK (post_minute BETWEEN 0 AND 1439),
    timezone          TEXT NOT NULL,
    -- The next daily post: the server's local date and its due instant.
    next_date         DATE NOT NULL,
    next_due_at       TIMESTAMPTZ NOT NULL,
    -- When a worker may take the post: next_due_at, a retry, or a claim's expiry.
    ready_at          TIMESTAMPTZ NOT NULL,
    claim_token       BIGINT,
    attempts          SMALLINT NOT NULL DEFAULT 0,
    last_posted_date  DATE,
    last_error        TEXT,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX servers_ready ON servers (ready_at);

-- Opt-ins to a server's weekly streak board: nobody appears without one.
CREATE TABLE board_members (
    guild_id   BIGINT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, user_id)
);

CREATE INDEX board_members_user ON board_members (user_id);
