-- The first message to a new user carries a short introduction and the
-- safety note, once.
ALTER TABLE users ADD COLUMN welcomed_at TIMESTAMPTZ;
