//! The model harness driven by libFuzzer: each input is a case (container,
//! element type, `N`, heap limit, faults) and its steps, decoded by
//! `mapped_testkit::bytes`, run against `Vec` or `BinaryHeap` on a
//! `FaultyMapper` that denies commits and poisons decommitted pages.
//!
//! ```text
//! cargo +nightly fuzz run model -- -max_total_time=600
//! ```
//!
//! A failed check panics, which libFuzzer reports as a crash and saves
//! the input under `fuzz/artifacts/model/`; `cargo +nightly fuzz run model
//! <that file>` replays it. (The "case seed" in the panic message is the
//! one the input chose for the mock; the input, not `MAPPED_SEED`, is
//! what replays the case.)
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: {
        // libFuzzer's (and the sanitizer's) fault handlers save the input;
        // the test suite's seed reporter would replace them.
        mapped_testkit::fault_reporter::keep_existing_handlers();
    },
    |data: &[u8]| {
        mapped_testkit::run_bytes(data);
    }
);
