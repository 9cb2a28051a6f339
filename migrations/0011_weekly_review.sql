-- A week in review: once a week, at the reminder time on the day a person
-- chose, a DM about the week that ended the day before.

ALTER TABLE users
    -- 0 = Sunday ... 6 = Saturday (chrono's num_days_from_sunday); NULL is off.
    -- Everyone starts with Sunday, as the feature promises.
    ADD COLUMN weekly_day SMALLINT DEFAULT 0 CHECK (weekly_day BETWEEN 0 AND 6);

-- The review is a timeline row of its own kind. Its uniqueness comes from
-- timeline_once_a_day (user_id, local_date, kind) WHERE kind <> 'prompt'
-- (0003): at most one review per person and local date, as for reminders.
ALTER TABLE timeline DROP CONSTRAINT timeline_kind_check;
ALTER TABLE timeline ADD CONSTRAINT timeline_kind_check
    CHECK (kind IN ('reminder', 'followup', 'prompt', 'weekly'));

-- People who already have a reminder get a review row beside their next
-- reminder, at the same instant. On any other day than their review day
-- the worker only moves it to that day (Skip::OtherDay): the instant of a
-- local time is worked out in one place, the coach's rules, not here.
INSERT INTO timeline (user_id, kind, due_at, ready_at, local_date)
SELECT t.user_id, 'weekly', t.due_at, t.due_at, t.local_date
FROM timeline t JOIN users u ON u.id = t.user_id
WHERE t.kind = 'reminder' AND t.state = 'pending' AND u.weekly_day IS NOT NULL
ON CONFLICT DO NOTHING;
