-- The bell on every staff page counts a person's unread app notices (sql/bell.rs): this
-- index holds only those, so the count reads as many entries as there are unread notices,
-- not every notice the person was ever sent.
CREATE INDEX notices_unread ON notices (user_id) WHERE channel = 'app' AND read_at IS NULL;
