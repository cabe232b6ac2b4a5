-- The wellbeing cases raised on a day, by current status (Tally::wellbeing_by_status): a
-- list subtracts the ones its viewer may not see (only chairs and the assigned counsellor
-- see them) from these instead of counting every wellbeing case of the subtree (25 ms for
-- a province of a million cases). Keep in step with ../postgres/0011_wellbeing_tallies.sql.
ALTER TABLE tallies ADD COLUMN wellbeing_registered  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tallies ADD COLUMN wellbeing_accepted    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tallies ADD COLUMN wellbeing_in_progress INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tallies ADD COLUMN wellbeing_resolved    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tallies ADD COLUMN wellbeing_explained   INTEGER NOT NULL DEFAULT 0;
-- The new columns start at 0: the store rebuilds the tallies from the cases when it opens.
UPDATE tally_state SET built = FALSE WHERE id = 1;
