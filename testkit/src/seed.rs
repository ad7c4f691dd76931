//! Seeds and case counts: the master seed, the seed of each case, and
//! sub-streams derived from one seed.

/// The master seed when `MAPPED_SEED` is not set.
pub const DEFAULT_SEED: u64 = 20_240_604;

/// The environment variable holding the number of cases of each fuzz test.
pub const CASES_ENV: &str = "MAPPED_FUZZ_CASES";

/// The master seed: `MAPPED_SEED` if set, else [`DEFAULT_SEED`].
pub fn master_seed() -> u64 {
    mapped_mock::env_seed().unwrap_or(DEFAULT_SEED)
}

/// The seed of case `i` of a run with master seed `master` (case 0 uses the
/// master seed itself, so a failing case replays alone).
pub fn case_seed(master: u64, i: usize) -> u64 {
    master.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The most cases of each test under Miri (about a thousand times slower)
/// unless `MAPPED_FUZZ_CASES` says otherwise.
pub const MIRI_CASES: usize = 1;

/// `MAPPED_FUZZ_CASES` if set, else `default` (at most [`MIRI_CASES`]
/// under Miri).
///
/// # Panics
///
/// When it is set but is not a decimal number.
pub fn env_cases(default: usize) -> usize {
    match std::env::var(CASES_ENV) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("{CASES_ENV}={v:?} is not a number: {e}")),
        Err(_) if cfg!(miri) => default.min(MIRI_CASES),
        Err(_) => default,
    }
}

/// Derives a fresh seed from `seed` and a salt (for one sub-stream).
pub fn mix(seed: u64, salt: u64) -> u64 {
    // splitmix64 of the pair: good enough to separate streams.
    let mut z = seed ^ salt.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seeds of a seeded test: `MAPPED_SEED` alone if it is set, else
/// `count` fixed seeds from `base` on.
pub fn seeds(base: u64, count: usize) -> Vec<u64> {
    match mapped_mock::env_seed() {
        Some(seed) => vec![seed],
        None => (0..count as u64).map(|i| base.wrapping_add(i)).collect(),
    }
}

/// Names the seed that replays a failure: if the thread panics while this
/// is alive, prints `<test>: failed with MAPPED_SEED=<seed>`.
pub struct SeedOnFailure {
    test: &'static str,
    seed: u64,
}

impl SeedOnFailure {
    pub fn new(test: &'static str, seed: u64) -> Self {
        SeedOnFailure { test, seed }
    }
}

impl Drop for SeedOnFailure {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}: failed with MAPPED_SEED={}", self.test, self.seed);
        }
    }
}
