-- Why a level changed, as a type instead of words matched by their prefix:
-- pain (with the level reported), steady progress, or the person asking.
CREATE TYPE level_reason AS ENUM ('pain', 'progress', 'asked');

ALTER TABLE level_changes
    ADD COLUMN why level_reason,
    ADD COLUMN pain SMALLINT CHECK (pain BETWEEN 0 AND 10);

UPDATE level_changes SET
    why = CASE
        WHEN reason LIKE 'pain %' THEN 'pain'
        WHEN reason = 'asked' THEN 'asked'
        ELSE 'progress'
    END::level_reason,
    pain = substring(reason FROM '^pain ([0-9]+)')::smallint;

ALTER TABLE level_changes DROP COLUMN reason;
ALTER TABLE level_changes RENAME COLUMN why TO reason;
ALTER TABLE level_changes
    ALTER COLUMN reason SET NOT NULL,
    ADD CHECK ((reason = 'pain') = (pain IS NOT NULL));
