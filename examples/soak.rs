//! The fuzz soak: the model loop of `tests/fuzz_model.rs` (the same code,
//! `tests/common_fuzz/mod.rs`) for as many cases as you like.
//!
//! ```text
//! cargo run --release --example soak -- --cases N --deny 0.05 --seed S \
//!     [--ops-per-case M] [--mode poison|trap|plain] [--fail-decommits P] \
//!     [--max-pages K]
//! ```
//!
//! Each case draws its element type, `N`, window, remap and remap/reserve
//! denial from its seed (case `i` of seed `S` has seed `case_seed(S, i)`,
//! case 0 has `S`; `--seed <case seed> --cases 1` replays one case). Prints
//! progress about every 10% of the cases and a summary; exits non-zero on
//! any violation or mismatch. In trap mode a bad access kills the process
//! with `SIGSEGV`; the seed of the case running then is printed first.

#[path = "../tests/common_fuzz/mod.rs"]
mod fuzz;

use fuzz::{case_seed, run_case, Plan, Tally};
use mapped_mock::Mode;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

const USAGE: &str = "usage: soak --cases N --deny P --seed S [--ops-per-case M] \
                     [--mode poison|trap|plain] [--fail-decommits P] [--max-pages K]";

struct Args {
    cases: usize,
    deny: f64,
    seed: u64,
    ops: usize,
    mode: Mode,
    fail_decommits: Option<f64>,
    max_pages: usize,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        cases: 1000,
        deny: 0.05,
        seed: fuzz::DEFAULT_SEED,
        ops: 200,
        mode: Mode::Poison,
        fail_decommits: None,
        max_pages: 24,
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
    ] {
        if let Some(p) = p {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} {p} is not a probability\n{USAGE}"));
            }
        }
    }
    Ok(a)
}

/// The seed of the case running now, for the fault handler.
static CURRENT: AtomicU64 = AtomicU64::new(0);

/// In trap mode a bug is a `SIGSEGV`: print the running case's seed, then
/// let the signal kill the process as it would have.
fn install_fault_reporter() {
    extern "C" fn on_fault(sig: libc::c_int) {
        let mut buf = [0u8; 96];
        let head = b"\nsoak: memory fault in the case with seed ";
        let mut n = head.len();
        buf[..n].copy_from_slice(head);
        let mut digits = [0u8; 20];
        let mut v = CURRENT.load(Ordering::Relaxed);
        let mut k = 0;
        loop {
            digits[k] = b'0' + (v % 10) as u8;
            k += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        while k > 0 {
            k -= 1;
            buf[n] = digits[k];
            n += 1;
        }
        buf[n] = b'\n';
        n += 1;
        // SAFETY: write(2) and signal(2) are async-signal-safe; `buf` is
        // ours. Restoring the default action and returning re-runs the
        // faulting access, which then kills the process with `sig`.
        unsafe {
            libc::write(2, buf.as_ptr().cast(), n);
            libc::signal(sig, libc::SIG_DFL);
        }
    }
    let handler = on_fault as extern "C" fn(libc::c_int) as libc::sighandler_t;
    for sig in [libc::SIGSEGV, libc::SIGBUS] {
        // SAFETY: installs a handler that only does async-signal-safe calls.
        unsafe { libc::signal(sig, handler) };
    }
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
        n: None,
        ops: args.ops,
        max_pages: args.max_pages,
        announce: false,
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
    if args.mode == Mode::Trap {
        install_fault_reporter();
    }
    let start = Instant::now();
    let mut total = Tally::default();
    let mut failed: Vec<u64> = Vec::new();
    let every = (args.cases / 10).max(1);
    for i in 0..args.cases {
        let seed = case_seed(args.seed, i);
        CURRENT.store(seed, Ordering::Relaxed);
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
    println!("  refused steps      {}", total.refused_steps);
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
