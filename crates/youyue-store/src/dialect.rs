//! What differs between SQLite and PostgreSQL in the SQL both backends share (`sql/`): one
//! [`Dialect`] value per backend (`sqlite::DIALECT`, `postgres::DIALECT`). Everything else
//! in `sql/` reads the same on both databases.

use crate::Backend;

/// The differences, each a statement (or a word, or a choice) that one database needs and
/// the other does without. `None`: nothing to run on this backend.
pub(crate) struct Dialect {
    pub backend: Backend,
    /// Starts a read transaction that sees one snapshot (an export, the chain checks).
    /// SQLite's read transactions already are one; PostgreSQL's default (read committed)
    /// takes a new snapshot per statement.
    pub snapshot: Option<&'static str>,
    /// Run before a rebuild of the tallies, so that a case write in flight is neither
    /// counted twice nor lost. SQLite has one writer at a time and needs no lock;
    /// PostgreSQL waits for the writes in flight and holds new ones back.
    pub lock_tallies: Option<&'static str>,
    /// Set for the one statement that walks the cases in time order
    /// (`UnionFilter::Scanned`), which the store chooses knowing the matches are many.
    /// SQLite's planner walks when told to; PostgreSQL estimates a text match with an
    /// administrator's wellbeing filter at a few rows and would scan and sort every case
    /// instead (measured in crates/youyue-bench/README.md), so both are made penalties
    /// (not bans) for that statement.
    pub walk_settings: Option<&'static str>,
    /// The sum of 64-bit integers as a 64-bit integer. SQLite's `SUM` is one (and fails on
    /// overflow); PostgreSQL's `SUM(bigint)` accumulates in numeric, which had to be cast
    /// back at a cost (crates/youyue-bench/README.md), so migration 0013 defines `sum_bigint`.
    /// Both fail on overflow; the tallies they sum cannot reach it, for each case adds a
    /// bounded amount to each column (`youyue_domain::tally::Tally`).
    pub sum_bigint: &'static str,
    /// Run between the levels of a rebuild of the tallies: the rows the level below wrote
    /// are the next level's input. SQLite reads them by their keys without statistics;
    /// PostgreSQL, without them, hashed all of them for each union (autovacuum never
    /// analyses the temporary table).
    pub rebuild_statistics: Option<&'static str>,
    /// Whether a statement that matches the search index is kept prepared. SQLite plans a
    /// statement when it is prepared, whatever its words, and the search statements settle
    /// their plan themselves (the FTS5 index drives: `SEARCH_FROM`'s CROSS JOIN). PostgreSQL
    /// may switch a prepared statement to a generic plan after five runs, which cannot see
    /// how common the searched words are (it chose a bitmap of the whole index for the count
    /// of a common pair); unprepared, each is planned with its words.
    pub search_statements_prepared: bool,
    /// The indexes an import into an empty database drops and builds again at its end
    /// (`DeferredIndexes`), name and definition: every index of the bulk tables but those
    /// behind a primary key or a unique constraint, which the import's own statements need.
    /// Each database lists its indexes in its own catalogue; SQLite's search index (FTS5)
    /// has no such indexes, it is filled as cases arrive.
    pub deferrable_indexes: &'static str,
    /// Run before the index builds at the end of such an import. SQLite sorts an index's
    /// keys in its page cache and temporary files; PostgreSQL's default memory for it
    /// (`maintenance_work_mem`, 64 MB) would sort a million cases' keys on disk.
    pub index_build: Option<&'static str>,
    /// Appended to the reading that claims outbox rows (notice events to dispatch, due
    /// notices to send): several app servers on one PostgreSQL each take rows no other has
    /// locked, so each row is claimed once. SQLite has one writer at a time and needs none.
    pub skip_locked: &'static str,
}
