//! One million alternating pushes and pops of `u64` around a size where the
//! policy acts, `MappedVector` vs `Vec` doing the same:
//!
//! - `shrink_boundary`: filled to 32,768 elements (256 KiB committed), then
//!   popped down to exactly a quarter of the committed bytes; then pop (just
//!   below the boundary: it shrinks), push (just above), pop, push, ...
//! - `grow_boundary`: filled to exactly its capacity; then push (one past:
//!   it grows), pop (back to full), push, pop, ...
//!
//! Why: a shrinking container risks thrashing, committing and decommitting
//! on every step of a workload that hovers around a threshold. The policy's
//! hysteresis (shrink below a quarter, down to half full; grow by doubling)
//! must keep the system calls to O(1) per oscillation, not per operation, and
//! the per-operation checks must cost next to nothing against `Vec`. The
//! mapper calls per million operations (from `mapped::stats()`) are printed
//! once per scenario, outside the timing.
//!
//! A plain harness (no criterion): the one `benches/sweep.rs` uses, in
//! `benches/support/mod.rs`. A run is a fresh vector set up as above (not
//! timed), its million operations (timed), and its drop (not timed). A
//! round is `OSCILLATION_RUNS` runs of each side (default 100: 100 million
//! operations a side, 30-150 ms on the 2-core VM this was written on),
//! the two sides taking turns run by run, and which side goes first
//! alternating from one round to the next, so that a change in the
//! machine's load hits both sides alike. The table shows the median ratio
//! MappedVector/Vec over `OSCILLATION_ROUNDS` rounds (default 15), its
//! spread (min-max), and the median time of each side per million
//! operations.
//!
//! Why not criterion: a single run is 0.3-1.5 ms there, and its criterion
//! ratio read 0.87x-1.02x on an idle machine and 1.40x on a loaded one.
//! Why the thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`, user and system,
//! so the mapper calls and page faults count) rather than wall time: on a
//! shared machine the bench thread is preempted every few milliseconds,
//! and wall time charges each preemption to whichever side was running.
//!
//! ```sh
//! cargo bench --bench oscillation
//! OSCILLATION_ROUNDS=31 OSCILLATION_RUNS=200 cargo bench --bench oscillation
//! ```
//!
//! Without `--bench` (as `cargo test --benches` runs it) it does a quick
//! smoke run: one round of two runs a side.

mod support;

use mapped::{MappedVector, MAPPER};
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::Side;

/// Operations per run: half pushes, half pops.
const OPS: u64 = 1_000_000;
/// Elements the vectors are first filled with: 256 KiB of `u64` (64 pages
/// of 4 KiB, 16 of 16 KiB).
const FILL: u64 = 32 * 1024;

#[derive(Clone, Copy)]
enum Scenario {
    /// Start at a quarter of the committed bytes; pop first.
    ShrinkBoundary,
    /// Start full; push first.
    GrowBoundary,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::ShrinkBoundary => "shrink_boundary",
            Scenario::GrowBoundary => "grow_boundary",
        }
    }

    /// Whether a run pops first.
    fn pop_first(self) -> bool {
        matches!(self, Scenario::ShrinkBoundary)
    }
}

/// A `MappedVector` ready to oscillate.
fn setup_mapped(scenario: Scenario) -> MappedVector<u64> {
    let mut v = MappedVector::<u64>::new(MAPPER);
    for i in 0..FILL {
        v.push(i).expect("commit refused");
    }
    // A reservation reused from the cache may come with more pages
    // committed than FILL needs: start from exactly FILL's pages.
    v.shrink_to_fit().expect("a decommit refused");
    match scenario {
        Scenario::ShrinkBoundary => {
            // `len * 8 == committed / 4`: one pop more and it is sparse.
            let boundary = v.committed_bytes() / 4 / 8;
            v.truncate(boundary);
            assert_eq!(v.len() * 8 * 4, v.committed_bytes());
        }
        Scenario::GrowBoundary => {
            assert_eq!(v.len(), v.capacity());
        }
    }
    v
}

/// A `Vec` at `len` (the length `setup_mapped` starts from), grown the way
/// a `Vec` filled to `FILL` grows.
fn setup_vec(len: usize) -> Vec<u64> {
    let mut v = Vec::new();
    for i in 0..FILL {
        v.push(i);
    }
    v.truncate(len);
    v
}

fn oscillate_mapped(v: &mut MappedVector<u64>, pop_first: bool) {
    for i in 0..OPS / 2 {
        if pop_first {
            black_box(v.pop());
            v.push(i).expect("commit refused");
        } else {
            v.push(i).expect("commit refused");
            black_box(v.pop());
        }
    }
}

fn oscillate_vec(v: &mut Vec<u64>, pop_first: bool) {
    for i in 0..OPS / 2 {
        if pop_first {
            black_box(v.pop());
            v.push(i);
        } else {
            v.push(i);
            black_box(v.pop());
        }
    }
}

/// One run of a side: only the operations timed, in CPU time of this
/// thread.
fn run(side: Side, scenario: Scenario, len: usize) -> Duration {
    let pop_first = scenario.pop_first();
    match side {
        Side::Subject => {
            let mut v = setup_mapped(scenario);
            let t = cpu_now();
            oscillate_mapped(&mut v, pop_first);
            let took = cpu_now() - t;
            black_box(&v);
            took
        }
        Side::Reference => {
            let mut v = setup_vec(len);
            let t = cpu_now();
            oscillate_vec(&mut v, pop_first);
            let took = cpu_now() - t;
            black_box(&v);
            took
        }
    }
}

/// CPU time of the calling thread, user and system (a mapper call or a
/// page fault counts; time the thread spends waiting for a core does not).
#[cfg(unix)]
fn cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec` for the call's duration,
    // and CLOCK_THREAD_CPUTIME_ID is a clock every Linux has.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Off Unix: wall time since the first call.
#[cfg(not(unix))]
fn cpu_now() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// Mapper calls made by one run of `OPS` operations (setup excluded), as a
/// line of the report.
fn calls(scenario: Scenario) -> String {
    let mut v = setup_mapped(scenario);
    let (len, committed) = (v.len(), v.committed_bytes());
    let before = mapped::stats();
    oscillate_mapped(&mut v, scenario.pop_first());
    let after = mapped::stats();
    format!(
        "{}: {} mapper calls per {OPS} operations \
         (commits {}, decommits {}, populates {}, reserves {}, remaps {}, releases {}); \
         len {len} -> {}, committed {committed} -> {} bytes",
        scenario.name(),
        after.mapper_calls() - before.mapper_calls(),
        after.commits - before.commits,
        after.decommits - before.decommits,
        after.populates - before.populates,
        after.reserves - before.reserves,
        after.remaps - before.remaps,
        after.releases - before.releases,
        v.len(),
        v.committed_bytes(),
    )
}

fn main() {
    let quick = support::quick();
    let rounds = support::env_usize("OSCILLATION_ROUNDS", if quick { 1 } else { 15 });
    let runs = support::env_usize("OSCILLATION_RUNS", if quick { 2 } else { 100 }).max(1);

    let start = Instant::now();
    let mut rows = Vec::new();
    for scenario in [Scenario::ShrinkBoundary, Scenario::GrowBoundary] {
        let report = calls(scenario);
        let len = setup_mapped(scenario).len();
        // Warm up both sides (page cache, allocator, reservation cache).
        for side in [
            Side::Subject,
            Side::Reference,
            Side::Subject,
            Side::Reference,
        ] {
            run(side, scenario, len);
        }
        // Each slice of a round is one run: the sides take turns run by run.
        let cell = support::interleave(rounds, runs, runs, |side| run(side, scenario, len));
        rows.push((scenario, cell, report));
    }

    println!(
        "\noscillation: {OPS} alternating push/pop of u64 per run, {runs} runs per round and side; \
         MappedVector / Vec, median of {rounds} interleaved rounds [min-max]; \
         CPU time per {OPS} operations (median)\n"
    );
    println!("| scenario | MappedVector / Vec | mapped / Vec per {OPS} ops |");
    println!("|---|---|---|");
    for (scenario, cell, _) in &rows {
        println!(
            "| {} | {} | {} |",
            scenario.name(),
            cell.ratio_text(),
            cell.abs_text()
        );
    }
    println!();
    for (_, _, report) in &rows {
        println!("{report}");
    }
    println!("\n(total {:.1} s)", start.elapsed().as_secs_f64());
}
