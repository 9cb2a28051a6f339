-- Discord's global rate limit is per bot, whatever the number of processes:
-- every sender on this database takes its requests from this one schedule.
-- `next_at` is the instant the next request of the shared budget is free; a
-- sender claims a few requests at once by moving it on (see
-- Store::claim_discord_budget), so one row is all the state there is.
CREATE TABLE discord_budget (
    id       BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    next_at  TIMESTAMPTZ NOT NULL
);
