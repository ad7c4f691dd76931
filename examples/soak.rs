//! The fuzz soak: the model loop of `tests/fuzz/model.rs` (the same code,
//! `mapped-testkit`) for as many cases as you like.
//!
//! ```text
//! cargo run --release --example soak -- --cases N --deny 0.05 --seed S \
//!     [--ops-per-case M] [--mode poison|trap|plain] [--fail-decommits P] \
//!     [--max-pages K] [--scripted P]
//! ```
//!
//! `--deny` is the probability that a commit is refused, `--fail-decommits`
//! that a decommit fails (default: drawn per case, 0 in three cases of
//! four), `--scripted` that a step carries a scripted commit denial (and,
//! at half that, a scripted decommit failure; default 0.03). Each case
//! draws its container (a vector against `Vec`, or a queue against
//! `BinaryHeap`), its element type, `N`, window (growable of 1-8 pages, or fixed),
//! remap support and remap/reserve denial from its seed (case `i` of seed
//! `S` has seed `case_seed(S, i)`, case 0 has `S`; `--seed <case seed>
//! --cases 1` replays one case). Steps per case default to 200. Prints
//! progress about every 10% of the cases and a summary; exits non-zero on
//! any violation or mismatch. In trap mode a bad access kills the process
//! with `SIGSEGV`; the seed of the case running then is printed first.

use mapped_mock::Mode;
use mapped_testkit::{case_seed, run_case, Plan, Tally};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: soak --cases N --deny P --seed S [--ops-per-case M] \
                     [--mode poison|trap|plain] [--fail-decommits P] [--max-pages K] \
                     [--scripted P]";

struct Args {
    cases: usize,
    deny: f64,
    seed: u64,
    ops: usize,
    mode: Mode,
    fail_decommits: Option<f64>,
    max_pages: usize,
    scripted: f64,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        cases: 1000,
        deny: 0.05,
        seed: mapped_testkit::DEFAULT_SEED,
        ops: 200,
        mode: Mode::Poison,
        fail_decommits: None,
        max_pages: 24,
        scripted: 0.03,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.into());
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value:?}: {e}\n{USAGE}");
        match flag.as_str() {
            "--cases" => a.cases = value.parse().map_err(|e| bad(&e))?,
            "--deny" => a.deny = value.parse().map_err(|e| bad(&e))?,
            "--seed" => a.seed = mapped_mock::parse_seed(&value).map_err(|e| bad(&e))?,
            "--ops-per-case" => a.ops = value.parse().map_err(|e| bad(&e))?,
            "--fail-decommits" => a.fail_decommits = Some(value.parse().map_err(|e| bad(&e))?),
            "--max-pages" => a.max_pages = value.parse().map_err(|e| bad(&e))?,
            "--scripted" => a.scripted = value.parse().map_err(|e| bad(&e))?,
            "--mode" => {
                a.mode = match value.as_str() {
                    "poison" => Mode::Poison,
                    "trap" => Mode::Trap,
                    "plain" => Mode::Plain,
                    _ => return Err(bad(&"not poison, trap or plain")),
                }
            }
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    for (name, p) in [
        ("--deny", Some(a.deny)),
        ("--fail-decommits", a.fail_decommits),
        ("--scripted", Some(a.scripted)),
    ] {
        if let Some(p) = p {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} {p} is not a probability\n{USAGE}"));
            }
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let plan = Plan {
        mode: args.mode,
        deny: Some(args.deny),
        fail_decommits: args.fail_decommits,
        kind: None,
        container: None,
        n: None,
        ops: args.ops,
        max_pages: args.max_pages,
        announce: false,
        flag_p: args.scripted,
    };
    println!(
        "soak: {} cases x {} steps, seed {}, mode {:?}, deny {}, fail decommits {}",
        args.cases,
        args.ops,
        args.seed,
        args.mode,
        args.deny,
        args.fail_decommits
            .map_or("drawn per case".to_string(), |p| p.to_string())
    );
    // A memory fault (trap mode's way of reporting a bug) prints the seed
    // of the case running.
    mapped_testkit::fault_reporter::install();
    let start = Instant::now();
    let mut total = Tally::default();
    let mut failed: Vec<u64> = Vec::new();
    let every = (args.cases / 10).max(1);
    for i in 0..args.cases {
        let seed = case_seed(args.seed, i);
        match catch_unwind(AssertUnwindSafe(|| run_case(&plan, seed))) {
            Ok(t) => total.add(&t),
            Err(_) => {
                // The panic message (with the seed and the last steps) is
                // already printed by the panic hook.
                eprintln!("soak: case {i} (seed {seed}) FAILED");
                failed.push(seed);
                if failed.len() >= 10 {
                    eprintln!("soak: stopping after 10 failures");
                    break;
                }
            }
        }
        if (i + 1) % every == 0 || i + 1 == args.cases {
            println!(
                "[{:3}%] {} / {} cases, {} steps, {} vector calls, {} denied commits, \
                 {} failures, {:.1?}",
                (i + 1) * 100 / args.cases,
                i + 1,
                args.cases,
                total.steps,
                total.calls,
                total.denied_commits,
                failed.len(),
                start.elapsed()
            );
        }
    }
    let elapsed = start.elapsed();
    println!("\nsummary (seed {}, mode {:?}):", args.seed, args.mode);
    println!("  cases              {}", total.cases);
    println!("  operations (steps) {}", total.steps);
    println!("  vector calls       {}", total.calls);
    println!(
        "  refused steps      {} ({} by a full fixed window)",
        total.refused_steps, total.window_full
    );
    println!(
        "  commits            {} ({} denied; {} reserves denied)",
        total.commits, total.denied_commits, total.denied_reserves
    );
    println!(
        "  decommits          {} ({} failed)",
        total.decommits, total.failed_decommits
    );
    println!(
        "  remaps             {} ({} denied, {} unsupported -> copied)",
        total.remaps, total.denied_remaps, total.unsupported_remaps
    );
    println!("  poisoned pages checked {}", total.poisoned_pages_checked);
    println!("  violations         {}", total.violations);
    println!("  failed cases       {} {:?}", failed.len(), failed);
    println!("  elapsed            {elapsed:.2?}");
    if failed.is_empty() && total.violations == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
