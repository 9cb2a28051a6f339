-- A routine that fits: the minutes a day a person chose and the equipment
-- they have. NULL is "not chosen": the planned routine, and everything
-- available, so people who never answered see no change.
ALTER TABLE users
    ADD COLUMN routine_minutes SMALLINT CHECK (routine_minutes IN (5, 10)),
    -- A bit per item, in the order offered: tennis ball, golf ball, towel,
    -- chair, step (src/content/gear.rs).
    ADD COLUMN equipment SMALLINT CHECK (equipment BETWEEN 0 AND 31);
