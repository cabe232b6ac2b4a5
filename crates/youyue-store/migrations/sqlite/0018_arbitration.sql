-- 转仲裁: a dispute referred to labour arbitration once its statutory mediation period (15
-- calendar days from registration) passed without an agreement: the commission and the day
-- (youyue_domain::arbitration). Both or neither; the case is then explained. Keep in step
-- with ../postgres/0018_arbitration.sql.
ALTER TABLE cases ADD COLUMN arbitration_commission TEXT;
ALTER TABLE cases ADD COLUMN referred_on TEXT;
-- Disputes closed by a referral on the day (Tally::referred).
ALTER TABLE tallies ADD COLUMN referred INTEGER NOT NULL DEFAULT 0;
-- The new column starts at 0: the store rebuilds the tallies from the cases when it opens.
UPDATE tally_state SET built = FALSE WHERE id = 1;

-- A staff account's personal calendar feed (/cal/{secret}.ics, "my appointments"): only the
-- secret's SHA-256 is kept, as for API tokens; one per account, replaced when rotated and
-- deleted when revoked.
CREATE TABLE calendar_feeds (
    user_id     INTEGER PRIMARY KEY REFERENCES users(id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
