-- Everything that happens at a time: morning reminders, guided-session
-- prompts and evening follow-ups. The table is the truth; workers keep no
-- state that matters in memory.

ALTER TABLE users
    -- The evening nudge when the day is not done yet; NULL turns it off.
    ADD COLUMN followup_minute SMALLINT DEFAULT 1140 CHECK (followup_minute BETWEEN 0 AND 1439),
    -- Set when Discord refused a DM (50007): reminders pause until the user is back.
    ADD COLUMN dm_blocked_at TIMESTAMPTZ,
    -- The server channel where the user last used the bot, to tell them there.
    ADD COLUMN last_channel_id BIGINT;

CREATE TABLE timeline (
    id                BIGSERIAL PRIMARY KEY,
    user_id           BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('reminder', 'followup', 'prompt')),
    -- When the send is due, in UTC; never changed by a claim.
    due_at            TIMESTAMPTZ NOT NULL,
    -- When a worker may take the row: due_at, or the expiry of a claim.
    ready_at          TIMESTAMPTZ NOT NULL,
    -- The user's local date the send belongs to.
    local_date        DATE NOT NULL,
    session_id        BIGINT REFERENCES guided_sessions (id) ON DELETE CASCADE,
    step              SMALLINT,
    state             TEXT NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'sent', 'skipped', 'cancelled', 'failed')),
    -- Identifies the worker's claim, so only the claim holder marks the row.
    claim_token       BIGINT,
    attempts          SMALLINT NOT NULL DEFAULT 0,
    snoozes           SMALLINT NOT NULL DEFAULT 0,
    sent_at           TIMESTAMPTZ,
    late              BOOLEAN NOT NULL DEFAULT false,
    last_error        TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'prompt') = (session_id IS NOT NULL AND step IS NOT NULL))
);

-- "What is due now" reads only pending rows, in ready order.
CREATE INDEX timeline_ready ON timeline (ready_at) WHERE state = 'pending';

-- At most one morning reminder and one follow-up per user per local date.
CREATE UNIQUE INDEX timeline_once_a_day ON timeline (user_id, local_date, kind) WHERE kind <> 'prompt';

-- One prompt per session step.
CREATE UNIQUE INDEX timeline_one_prompt ON timeline (session_id, step) WHERE kind = 'prompt';

CREATE INDEX timeline_user ON timeline (user_id) WHERE state = 'pending';
