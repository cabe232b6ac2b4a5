//! youyue's benchmark suite: a deterministic generator of a province's unions and cases as
//! `youyue import` JSON Lines (`gen`), and an HTTP load runner against a running server
//! (`load`). See README.md in this crate for how to run it.

pub mod floor;
pub mod gen;
pub mod load;
pub mod procfs;
pub mod report;
pub mod rng;
pub mod texts;
