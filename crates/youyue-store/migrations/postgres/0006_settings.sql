-- Settings of a district (assessment weights…), as JSON under a key. Keep in step with
-- ../sqlite/0006_settings.sql.
CREATE TABLE settings (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
