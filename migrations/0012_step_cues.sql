-- Cues within a guided step ("other side now", "set 2 of 3") are edits of
-- the step's own message, timed by the timeline like the prompts: a prompt
-- row with `cue` > 0 is the cue of that number within its step.
ALTER TABLE timeline ADD COLUMN cue SMALLINT NOT NULL DEFAULT 0 CHECK (cue >= 0);

DROP INDEX timeline_one_prompt;
CREATE UNIQUE INDEX timeline_one_prompt ON timeline (session_id, step, cue) WHERE kind = 'prompt';

-- Where the current step's prompt was posted, so its cues can edit it;
-- step_message_step says which step that message shows,
-- step_message_text what its words said above the prompt (a cue goes on
-- top of them rather than in their place), and step_message_webhook, for
-- a prompt that answered an interaction, "application id/interaction
-- token": Discord edits such a message through its interaction, for 15
-- minutes, wherever it was posted.
ALTER TABLE guided_sessions
    ADD COLUMN step_channel_id BIGINT,
    ADD COLUMN step_message_id BIGINT,
    ADD COLUMN step_message_step SMALLINT,
    ADD COLUMN step_message_text TEXT,
    ADD COLUMN step_message_webhook TEXT;
