//! The plain harness shared by `benches/sweep.rs`, `benches/oscillation.rs`
//! and the pairs of `benches/file.rs` (no criterion): the side under test
//! and its reference (`MappedVector` and `Vec`; `FileVector` and
//! `MappedVector`) run in the same process, interleaved round by round,
//! which side goes first alternating, so that a change in the machine's
//! load between two rounds hits both sides of a ratio about alike. The
//! ratio subject/reference is taken per round; a [`Cell`] keeps its median and its spread (min-max)
//! over the rounds, and the median absolute time of each side.
//!
//! Each bench includes it with `mod support;` (cargo does not make a
//! bench of a `mod.rs` in a subfolder).

use std::time::Duration;

/// Which container a timed round runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Side {
    /// The container under test (`MappedVector`, `FileVector`).
    Subject,
    /// What it is measured against (`Vec`, `MappedVector`).
    Reference,
}

/// One measured row: the median ratio subject/reference over the rounds,
/// its spread, and the median time of each side per unit of work (what the
/// caller divided by: a container, a million operations).
pub struct Cell {
    pub ratio: f64,
    pub min: f64,
    pub max: f64,
    pub subject_ns: f64,
    pub reference_ns: f64,
}

impl Cell {
    /// `1.02x [0.97-1.08]`: the median ratio and its spread.
    pub fn ratio_text(&self) -> String {
        format!("{:.2}x [{:.2}-{:.2}]", self.ratio, self.min, self.max)
    }

    /// `1.20 ms / 1.15 ms`: the median time of each side, the subject's
    /// first.
    pub fn abs_text(&self) -> String {
        format!(
            "{} / {}",
            fmt_ns(self.subject_ns),
            fmt_ns(self.reference_ns)
        )
    }
}

/// The median (of an even count, the mean of the middle two). Sorts `xs`.
pub fn median(xs: &mut [f64]) -> f64 {
    assert!(!xs.is_empty(), "the median of no rounds");
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// `rounds` rounds of both sides. A round is `slices` slices of each side,
/// in pairs, and in slice `j` of round `r` the subject goes first when
/// `r + j` is even, the reference when it is odd: with one slice a round,
/// which side goes first alternates round by round; with more, the two
/// sides also take turns within the round, so that a change in the
/// machine's load during the round is shared by both. `run(side)` does one
/// slice of a side and returns the time it measured (so that it can leave
/// setup and teardown out, or time several threads); a side's time in a
/// round is the sum over its slices. `units` is the work of one side in one
/// round, what the absolute times are divided by. Warming up is the
/// caller's.
pub fn interleave(
    rounds: usize,
    slices: usize,
    units: usize,
    mut run: impl FnMut(Side) -> Duration,
) -> Cell {
    let (mut ratios, mut ms, mut vs) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds.max(1) {
        let (mut m, mut v) = (Duration::ZERO, Duration::ZERO);
        for slice in 0..slices.max(1) {
            let order = if (round + slice) % 2 == 0 {
                [Side::Subject, Side::Reference]
            } else {
                [Side::Reference, Side::Subject]
            };
            for side in order {
                let t = run(side);
                match side {
                    Side::Subject => m += t,
                    Side::Reference => v += t,
                }
            }
        }
        ratios.push(m.as_secs_f64() / v.as_secs_f64());
        ms.push(m.as_nanos() as f64 / units as f64);
        vs.push(v.as_nanos() as f64 / units as f64);
    }
    let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let max = ratios.iter().copied().fold(0.0, f64::max);
    Cell {
        ratio: median(&mut ratios),
        min,
        max,
        subject_ns: median(&mut ms),
        reference_ns: median(&mut vs),
    }
}

/// `cargo bench` passes `--bench`; `cargo test --benches` runs the same
/// binary without it, and then a bench does a quick smoke run only.
pub fn quick() -> bool {
    !std::env::args().any(|a| a == "--bench")
}

/// The number in the environment variable `name`, or `default` when it is
/// unset. `_` may group digits (`1_000_000`); anything else unparsable is
/// an error, not a silent fall back to the default.
pub fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(s) => s
            .replace('_', "")
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={s:?}: expected a whole number")),
        Err(_) => default,
    }
}

/// Nanoseconds as `812 ns`, `3.20 us` or `41.07 ms`.
pub fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} us", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}
