//! The model-based fuzz tests, one module per concern, in one binary (the
//! harness they share is `mapped-testkit`):
//!
//! - [`model`]: random sequences of every mutating method against the std
//!   model, with commits refused and decommitted pages poisoned;
//! - [`regrow`]: growth after decommit, audited page by page;
//! - [`decommit`]: decommits that fail;
//! - [`trap`]: the same in trap mode, in child processes;
//! - [`selftest`]: the harness fails when something is broken on purpose;
//! - [`bytes`]: the coverage-guided fuzz target's body (`fuzz/`), on
//!   random inputs.
//!
//! Seeds: `MAPPED_SEED` is the master seed (default
//! [`mapped_testkit::DEFAULT_SEED`]); case `i` runs with
//! `case_seed(master, i)` and case 0 with the master seed itself, so
//! `MAPPED_SEED=<case seed> MAPPED_FUZZ_CASES=1 cargo test --test fuzz
//! <test>` replays the case a failure names. `MAPPED_FUZZ_CASES` sets the
//! number of cases of each test.

mod bytes;
mod decommit;
mod model;
mod regrow;
mod selftest;
mod trap;
