-- Users, what they did, and guided sessions.

CREATE TABLE users (
    -- A Discord user id (a positive snowflake). Console users get negative ids
    -- from console_user_ids, so the two can never collide.
    id               BIGINT PRIMARY KEY,
    console_name     TEXT UNIQUE,
    -- IANA name; NULL until the user tells us (UTC is assumed meanwhile).
    timezone         TEXT,
    -- Daily reminder as minutes after local midnight; NULL means off.
    remind_minute    SMALLINT CHECK (remind_minute BETWEEN 0 AND 1439),
    -- Weekly rest days as a bit set, bit 0 = Monday.
    rest_days        SMALLINT NOT NULL DEFAULT 0 CHECK (rest_days BETWEEN 0 AND 127),
    -- A pause (a holiday): local dates from .. until, inclusive.
    paused_from      DATE,
    paused_until     DATE,
    CHECK ((paused_from IS NULL) = (paused_until IS NULL) AND paused_from <= paused_until),
    -- Cached so a reminder costs one Discord request, not two.
    dm_channel_id    BIGINT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE SEQUENCE console_user_ids INCREMENT BY -1 START WITH -1 MAXVALUE -1;

CREATE TABLE activity_log (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    local_date  DATE NOT NULL,
    routine_id  TEXT NOT NULL,
    -- 0 is the whole routine; 1.. a step of it.
    step        SMALLINT NOT NULL CHECK (step >= 0),
    outcome     TEXT NOT NULL CHECK (outcome IN ('done', 'skip', 'pain')),
    pain        SMALLINT CHECK (pain BETWEEN 0 AND 10),
    -- Where it came from: console, discord-dm, discord-reply, discord-button.
    source      TEXT NOT NULL,
    logged_at   TIMESTAMPTZ NOT NULL,
    CHECK ((outcome = 'pain') = (pain IS NOT NULL))
);

-- One done/skip and one pain report per step per local day: a repeated
-- report updates the row instead of adding one.
CREATE UNIQUE INDEX activity_log_once
    ON activity_log (user_id, local_date, step, (outcome = 'pain'));

CREATE TABLE guided_sessions (
    id            BIGSERIAL PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    local_date    DATE NOT NULL,
    routine_id    TEXT NOT NULL,
    -- 1-based step the user is on.
    current_step  SMALLINT NOT NULL DEFAULT 1 CHECK (current_step >= 1),
    -- When the current step's time is up and the next prompt is due.
    step_due_at   TIMESTAMPTZ NOT NULL,
    state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'finished', 'stopped')),
    started_at    TIMESTAMPTZ NOT NULL,
    ended_at      TIMESTAMPTZ
);

CREATE UNIQUE INDEX guided_sessions_one_active
    ON guided_sessions (user_id) WHERE state = 'active';
