//! The integration tests of youyue: one binary (it links once), every test against a real
//! SQLite file and a real PostgreSQL database of its own. PostgreSQL is required: without it
//! these tests fail rather than skip (set YOUYUE_TEST_PG to point elsewhere).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod harness;
mod agreement;
mod api_errors;
pub mod appointments;
mod arbitration;
mod assist;
mod book;
mod browser;
mod calendar;
mod callback;
mod cli;
mod clock;
mod connections;
mod deadline;
mod district;
mod exchange;
mod faults;
pub mod figures;
mod hostile;
mod immediate;
mod login;
mod matrix;
mod notice_pages;
pub mod notices;
mod outbox;
mod overflow;
mod roster;
mod schema;
mod scoping;
pub mod search;
mod transfer;
// Merge (issue 22).
mod merge;
mod trust;
mod worker;
mod workflow;
