//! The fault decisions: for each kind of call, whether this one fails.
//!
//! Every kind draws from its own [`StdRng`] stream derived from the seed, so
//! turning one fault on or off never shifts the decisions of another, and
//! the same seed with the same sequence of calls gives the same faults.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;

/// How one kind of fault is configured: a probability and a set of
/// 1-based call numbers that always fail.
#[derive(Clone, Debug, Default)]
pub(crate) struct FaultConfig {
    /// Probability that a call fails, in `[0, 1]`.
    pub(crate) p: f64,
    /// Call numbers (1-based, counting every call of this kind that reaches
    /// the fault decision) that fail.
    pub(crate) on: BTreeSet<u64>,
}

/// Panics unless `p` is a probability, naming the setting.
pub(crate) fn check_probability(what: &str, p: f64) {
    assert!(
        (0.0..=1.0).contains(&p),
        "mapped-mock: {what} probability must be in [0, 1], got {p}"
    );
}

/// One kind of fault, live: its configuration, a script of forced
/// failures, the calls seen so far and its random stream.
#[derive(Debug)]
pub(crate) struct Fault {
    config: FaultConfig,
    /// The next `next` calls fail, before anything else is consulted.
    next: u64,
    /// Calls decided so far.
    calls: u64,
    rng: StdRng,
}

impl Fault {
    /// A fault of configuration `config` whose stream is `seed` mixed with
    /// `salt` (one salt per kind).
    pub(crate) fn new(config: FaultConfig, seed: u64, salt: u64) -> Self {
        Fault {
            config,
            next: 0,
            calls: 0,
            rng: StdRng::seed_from_u64(seed ^ salt),
        }
    }

    /// Decides whether the current call fails: first the script
    /// ([`fail_next`](Self::fail_next)), then the fixed call numbers, then
    /// the probability. The stream is drawn only when `0 < p < 1`.
    pub(crate) fn decide(&mut self) -> bool {
        self.calls += 1;
        if self.next > 0 {
            self.next -= 1;
            return true;
        }
        if self.config.on.contains(&self.calls) {
            return true;
        }
        match self.config.p {
            p if p <= 0.0 => false,
            p if p >= 1.0 => true,
            p => self.rng.random_bool(p),
        }
    }

    /// Makes the next `n` calls fail (adding to any already scripted).
    pub(crate) fn fail_next(&mut self, n: u64) {
        self.next = self.next.saturating_add(n);
    }

    /// Sets the probability of failure from now on.
    pub(crate) fn set_probability(&mut self, p: f64) {
        self.config.p = p;
    }

    /// Turns this fault off: probability 0, no script, no call numbers.
    pub(crate) fn clear(&mut self) {
        self.config = FaultConfig::default();
        self.next = 0;
    }
}

/// Salts that separate the streams of the different kinds of fault.
pub(crate) mod salt {
    pub(crate) const RESERVE: u64 = 0x5245_5345_5256_4531;
    pub(crate) const COMMIT: u64 = 0x434f_4d4d_4954_0002;
    pub(crate) const DECOMMIT: u64 = 0x4445_434f_4d4d_0003;
    pub(crate) const REMAP: u64 = 0x5245_4d41_5000_0004;
    pub(crate) const LIE: u64 = 0x4c49_4500_0000_0005;
    pub(crate) const JUNK: u64 = 0x4a55_4e4b_0000_0006;
}

/// Every kind of fault of one mapper.
#[derive(Debug)]
pub(crate) struct Faults {
    pub(crate) reserve: Fault,
    pub(crate) commit: Fault,
    pub(crate) decommit: Fault,
    pub(crate) remap: Fault,
    /// A commit that "succeeds" without committing anything.
    pub(crate) lie: Fault,
}

impl Faults {
    /// Turns every fault off.
    pub(crate) fn clear(&mut self) {
        for f in [
            &mut self.reserve,
            &mut self.commit,
            &mut self.decommit,
            &mut self.remap,
            &mut self.lie,
        ] {
            f.clear();
        }
    }
}

/// The stream that fills freshly committed pages with junk.
pub(crate) fn junk_rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed ^ salt::JUNK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(fault: &mut Fault, n: usize) -> Vec<bool> {
        (0..n).map(|_| fault.decide()).collect()
    }

    #[test]
    fn script_then_call_numbers_then_probability() {
        let config = FaultConfig {
            p: 0.0,
            on: [4].into_iter().collect(),
        };
        let mut f = Fault::new(config, 0, salt::COMMIT);
        f.fail_next(2);
        assert_eq!(run(&mut f, 5), [true, true, false, true, false]);
    }

    #[test]
    fn same_seed_same_stream_and_salts_separate_streams() {
        let cfg = || FaultConfig {
            p: 0.5,
            on: BTreeSet::new(),
        };
        let a = run(&mut Fault::new(cfg(), 9, salt::COMMIT), 256);
        let b = run(&mut Fault::new(cfg(), 9, salt::COMMIT), 256);
        let c = run(&mut Fault::new(cfg(), 9, salt::RESERVE), 256);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn certain_and_impossible() {
        let mut always = Fault::new(
            FaultConfig {
                p: 1.0,
                on: BTreeSet::new(),
            },
            1,
            0,
        );
        let mut never = Fault::new(FaultConfig::default(), 1, 0);
        assert!(run(&mut always, 64).into_iter().all(|d| d));
        assert!(run(&mut never, 64).into_iter().all(|d| !d));
    }
}
