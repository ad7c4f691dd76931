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

use mapped::MappedVector;
use mapped_mock::{FaultyMapper, Mode};
use mapped_testkit::master_seed;
use std::sync::Arc;

/// A mapper in `mode`, its random choices seeded by the master seed: over
/// the OS mapper, or where it cannot map (Miri, `--cfg mapped_no_mmap`)
/// over the heap mapper (`mapped_mock::os_mapper`).
fn mock(mode: Mode) -> Arc<FaultyMapper> {
    FaultyMapper::builder()
        .seed(master_seed())
        .mode(mode)
        .build_arc()
}

/// A vector on `mock` that stays mapped however small it gets (heap limit
/// 0): decommits are the only way it gives memory back, and the pages it
/// decommitted stay in its reservation, where these tests look at them.
fn always_mapped<T, const N: usize>(mock: &Arc<FaultyMapper>) -> MappedVector<T, N> {
    MappedVector::builder(mock.clone())
        .heap_limit(0)
        .build()
        .expect("a growable window reserves nothing at build")
}
