//! The model-based fuzz harness of issue 4, shared by `tests/fuzz_*.rs` and
//! `examples/soak.rs` (which includes this file with `#[path]`): element
//! types that count their drops, the operations, their seeded generator, and
//! [`Harness`], which applies one operation to a `MappedVector` on a
//! `FaultyMapper` and to a std `Vec` model and checks, after every step,
//! that the two agree and that the mock's audit is clean.
//!
//! Every random decision comes from one seed: the case seed (case `i` of a
//! run with master seed `S` has seed `case_seed(S, i)`, and case 0's is `S`
//! itself, so `MAPPED_SEED=<case seed> MAPPED_FUZZ_CASES=1` replays one
//! case). Every failure message names the case seed.
#![allow(dead_code)]

pub mod expect;

use mapped::{Error, MappedVector};
use mapped_mock::{FaultyMapper, MockStats, Mode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::mem::{size_of, ManuallyDrop};
use std::sync::Arc;

// ---------------------------------------------------------------------------
// Seeds and case counts
// ---------------------------------------------------------------------------

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

/// `MAPPED_FUZZ_CASES` if set, else `default`.
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

/// Names the running case when a memory fault kills the process: a bug in
/// trap mode (or a wild access in any mode) is a `SIGSEGV`, which no panic
/// message reports, so a handler prints the seed of the case the faulting
/// thread was running, then lets the signal kill the process as before.
pub mod fault_reporter {
    use std::cell::Cell;
    use std::sync::Once;

    thread_local! {
        static CURRENT: Cell<Option<u64>> = const { Cell::new(None) };
    }

    /// Records the seed of the case this thread runs now.
    pub fn set_case(seed: u64) {
        install();
        CURRENT.with(|c| c.set(Some(seed)));
    }

    /// Installs the handler (once per process).
    pub fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            let handler = on_fault as extern "C" fn(libc::c_int) as libc::sighandler_t;
            for sig in [libc::SIGSEGV, libc::SIGBUS] {
                // SAFETY: the handler makes only async-signal-safe calls
                // (write, signal) and reads a plain thread-local.
                unsafe { libc::signal(sig, handler) };
            }
        });
    }

    extern "C" fn on_fault(sig: libc::c_int) {
        let mut buf = [0u8; 256];
        let mut n = 0;
        let mut put = |bytes: &[u8]| {
            let k = bytes.len().min(buf.len() - n);
            buf[n..n + k].copy_from_slice(&bytes[..k]);
            n += k;
        };
        put(b"\nfuzz: memory fault (signal ");
        put(digits(sig as u64).as_slice());
        match CURRENT.try_with(Cell::get).ok().flatten() {
            Some(seed) => {
                put(b") in the case with seed ");
                put(digits(seed).as_slice());
                put(b"; MAPPED_SEED=");
                put(digits(seed).as_slice());
                put(b" MAPPED_FUZZ_CASES=1 (or the soak's --seed ");
                put(digits(seed).as_slice());
                put(b" --cases 1) replays it");
            }
            None => put(b") outside any fuzz case"),
        }
        put(b"\n");
        // SAFETY: write(2) and signal(2) are async-signal-safe and `buf` is
        // ours. With the default action back, returning re-runs the faulting
        // access, which kills the process with `sig` as it would have.
        unsafe {
            libc::write(2, buf.as_ptr().cast(), n);
            libc::signal(sig, libc::SIG_DFL);
        }
    }

    /// `v` in decimal, without allocating.
    struct Digits {
        buf: [u8; 20],
        start: usize,
    }

    impl Digits {
        fn as_slice(&self) -> &[u8] {
            &self.buf[self.start..]
        }
    }

    fn digits(mut v: u64) -> Digits {
        let mut d = Digits {
            buf: [0; 20],
            start: 20,
        };
        loop {
            d.start -= 1;
            d.buf[d.start] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                return d;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Elements
// ---------------------------------------------------------------------------

/// An element type the harness can make from a number and compare.
pub trait Elem: Clone + PartialEq + fmt::Debug + 'static {
    /// Its name in failure messages.
    const NAME: &'static str;
    /// Whether it is [`Tracked`] (its drops are counted by the ledger).
    const TRACKED: bool = false;
    /// The element for `v`.
    fn make(v: u64) -> Self;
    /// The number it was made from (what `retain` decides on).
    fn key(&self) -> u64;
    /// Which instance this is: for a tracked element its serial (so a value
    /// handed back is known to be the very one pushed), else its key.
    fn ident(&self) -> u64 {
        self.key()
    }
}

impl Elem for u32 {
    const NAME: &'static str = "u32";
    fn make(v: u64) -> Self {
        v as u32
    }
    fn key(&self) -> u64 {
        u64::from(*self)
    }
}

impl Elem for u64 {
    const NAME: &'static str = "u64";
    fn make(v: u64) -> Self {
        v
    }
    fn key(&self) -> u64 {
        *self
    }
}

/// Three bytes: elements straddle page boundaries (4096 is not a multiple
/// of 3), so both pages of a straddling element must be committed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Tri(pub [u8; 3]);

impl Elem for Tri {
    const NAME: &'static str = "Tri([u8; 3])";
    fn make(v: u64) -> Self {
        Tri([v as u8, (v >> 8) as u8, (v >> 16) as u8])
    }
    fn key(&self) -> u64 {
        u64::from(self.0[0]) | u64::from(self.0[1]) << 8 | u64::from(self.0[2]) << 16
    }
}

/// 1208 bytes: a few per page, most straddling a page boundary.
#[derive(Clone, PartialEq, Eq)]
pub struct Big {
    key: u64,
    fill: [u32; 300],
}

impl Elem for Big {
    const NAME: &'static str = "Big(1208 bytes)";
    fn make(v: u64) -> Self {
        let mut fill = [0u32; 300];
        for (i, w) in fill.iter_mut().enumerate() {
            *w = (v as u32)
                .wrapping_mul(2_654_435_761)
                .wrapping_add(i as u32);
        }
        Big { key: v, fill }
    }
    fn key(&self) -> u64 {
        self.key
    }
}

impl fmt::Debug for Big {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let intact = *self == Big::make(self.key);
        write!(
            f,
            "Big({}{})",
            self.key,
            if intact { "" } else { ", corrupt" }
        )
    }
}

/// The drop ledger of [`Tracked`] elements (per thread): every instance
/// gets a fresh serial when made or cloned, which its drop must find live.
#[derive(Default)]
struct Ledger {
    next: u64,
    live: BTreeSet<u64>,
    created: u64,
    dropped: u64,
    /// Drops of a serial that was not live: a double drop, or a drop of
    /// junk read as an element.
    bad: Vec<u64>,
}

thread_local! {
    static LEDGER: RefCell<Ledger> = RefCell::new(Ledger::default());
}

/// The [`Tracked`] drop ledger of this thread.
pub mod ledger {
    use super::LEDGER;

    /// Forgets everything (at the start of a case).
    pub fn reset() {
        LEDGER.with(|l| *l.borrow_mut() = Default::default());
    }

    /// Instances alive now.
    pub fn live() -> usize {
        LEDGER.with(|l| l.borrow().live.len())
    }

    /// Instances made or cloned, and dropped, since the reset.
    pub fn counts() -> (u64, u64) {
        LEDGER.with(|l| {
            let l = l.borrow();
            (l.created, l.dropped)
        })
    }

    /// Serials dropped while not live (double drops or junk).
    pub fn bad_drops() -> Vec<u64> {
        LEDGER.with(|l| l.borrow().bad.clone())
    }

    pub(super) fn is_live(serial: u64) -> bool {
        LEDGER.with(|l| l.borrow().live.contains(&serial))
    }

    pub(super) fn create() -> u64 {
        LEDGER.with(|l| {
            let mut l = l.borrow_mut();
            let s = l.next;
            l.next += 1;
            l.created += 1;
            l.live.insert(s);
            s
        })
    }

    /// Whether `serial` was live (and is now dropped).
    pub(super) fn drop_serial(serial: u64) -> bool {
        LEDGER
            .try_with(|l| {
                let mut l = l.borrow_mut();
                if l.live.remove(&serial) {
                    l.dropped += 1;
                    true
                } else {
                    l.bad.push(serial);
                    false
                }
            })
            .unwrap_or(false)
    }
}

/// A heap-owning element whose every instance is counted: made, cloned and
/// dropped through the ledger. A drop of an instance the ledger does not
/// know (dropped twice, or junk read as an element) is recorded, and its
/// string is then not freed, so the harness reports it instead of crashing.
pub struct Tracked {
    serial: u64,
    key: u64,
    text: ManuallyDrop<String>,
}

impl Tracked {
    fn live(&self) -> bool {
        ledger::is_live(self.serial)
    }
}

impl Elem for Tracked {
    const NAME: &'static str = "Tracked(String)";
    const TRACKED: bool = true;
    fn make(v: u64) -> Self {
        // Lengths 0 (no heap), short and a few hundred bytes.
        let reps = [0usize, 1, 2, 5, 40][(v % 5) as usize];
        let text = format!("{v:x}-").repeat(reps);
        Tracked {
            serial: ledger::create(),
            key: v,
            text: ManuallyDrop::new(text),
        }
    }
    fn key(&self) -> u64 {
        self.key
    }
    fn ident(&self) -> u64 {
        self.serial
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        assert!(self.live(), "clone of a dead Tracked #{}", self.serial);
        Tracked {
            serial: ledger::create(),
            key: self.key,
            text: self.text.clone(),
        }
    }
}

impl PartialEq for Tracked {
    fn eq(&self, other: &Self) -> bool {
        // Never read the string of an instance that is not live: it may be
        // junk, and its pointer anything.
        self.live() && other.live() && self.key == other.key && *self.text == *other.text
    }
}

impl fmt::Debug for Tracked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.live() {
            write!(
                f,
                "Tracked(#{} {} {:?})",
                self.serial, self.key, &*self.text
            )
        } else {
            write!(f, "Tracked(#{} NOT LIVE, key {})", self.serial, self.key)
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if ledger::drop_serial(self.serial) {
            // SAFETY: the ledger says this instance is live and is dropped
            // now for the first time: its string is valid and freed once.
            unsafe { ManuallyDrop::drop(&mut self.text) };
        }
    }
}

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

/// One mutating call (or a short run of them) on the vector. Indices and
/// lengths are raw numbers, reduced modulo the current length when applied,
/// so any sequence is valid in any state (and proptest can shrink freely).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `push(make(value))`.
    Push(u64),
    /// `count` pushes of `make(start + i)`, stopping at the first refusal.
    PushMany { start: u64, count: usize },
    /// `pop()`.
    Pop,
    /// `count` pops.
    PopMany(usize),
    /// `insert(index % (len + 1), make(value))`.
    Insert { index: usize, value: u64 },
    /// `remove(index % len)` (nothing when empty).
    Remove { index: usize },
    /// `swap_remove(index % len)` (nothing when empty).
    SwapRemove { index: usize },
    /// `truncate(len % (len + 1))`.
    Truncate { len: usize },
    /// `clear()`.
    Clear,
    /// `retain(|x| x.key() % modulus != rem)`.
    Retain { modulus: u64, rem: u64 },
    /// `drain(a..b)`, consuming `front` items from the front and `back`
    /// from the back, then dropping the drain with the rest.
    Drain {
        start: usize,
        end: usize,
        front: usize,
        back: usize,
    },
    /// `extend_from_slice(&[make(start), .., make(start + count - 1)])`.
    ExtendFromSlice { start: u64, count: usize },
    /// `reserve(additional)`.
    Reserve { additional: usize },
    /// `shrink_to_fit()`.
    ShrinkToFit,
    /// `append(&mut other)` where `other` (a `MappedVector<T, 2>` on the same
    /// mapper) holds `make(start + i)` for `i < count`.
    Append { start: u64, count: usize },
    /// `try_extend(&mut iter)` over `make(start + i)` for `i < count`.
    TryExtend { start: u64, count: usize },
    /// `resize(len, make(value))`: longer or shorter.
    Resize { len: usize, value: u64 },
    /// `extend_from_within(start % (len + 1) .. end % (len + 1))`, the
    /// bounds sorted.
    ExtendFromWithin { start: usize, end: usize },
    /// `split_off(at % (len + 1))`, the tail checked and dropped.
    SplitOff { at: usize },
    /// `dedup_by_key(|x| x.key() % modulus)`: runs of equal keys collapse.
    DedupByKey { modulus: u64 },
}

/// An operation and the faults scripted for it: `deny_commit` denies the
/// first commit it makes, `fail_decommit` fails its first decommit. (Fault
/// decisions live in the step, so proptest can shrink them away.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub op: Op,
    pub deny_commit: bool,
    pub fail_decommit: bool,
}

impl Step {
    pub fn plain(op: Op) -> Self {
        Step {
            op,
            deny_commit: false,
            fail_decommit: false,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.op)?;
        if self.deny_commit {
            f.write_str(" +deny_commit")?;
        }
        if self.fail_decommit {
            f.write_str(" +fail_decommit")?;
        }
        Ok(())
    }
}

/// The seeded generator of steps: a random walk in length that drifts up
/// and down in phases, so vectors grow across many pages, shrink (pages are
/// decommitted) and grow again (pages are recommitted), and move windows.
pub struct Generator {
    rng: StdRng,
    growing: bool,
    /// Elements per page (at least 1).
    per_page: usize,
    /// The length above which only shrinking steps are generated.
    max_len: usize,
    /// Probability of each scripted fault flag.
    flag_p: f64,
}

impl Generator {
    pub fn new(seed: u64, per_page: usize, max_len: usize, flag_p: f64) -> Self {
        Generator {
            rng: StdRng::seed_from_u64(seed),
            growing: true,
            per_page: per_page.max(1),
            max_len: max_len.max(1),
            flag_p,
        }
    }

    /// A bulk count: up to a few pages' worth.
    fn bulk(&mut self) -> usize {
        let pages = self.rng.random_range(1..=4);
        self.rng.random_range(1..=self.per_page * pages)
    }

    /// The next step for a vector of `len` elements.
    pub fn next(&mut self, len: usize) -> Step {
        if self.rng.random_ratio(1, 16) {
            self.growing = !self.growing;
        }
        if len >= self.max_len {
            self.growing = false;
        }
        if len == 0 {
            self.growing = true;
        }
        let r = &mut self.rng;
        let v: u64 = r.random_range(0..1 << 24);
        let any = |r: &mut StdRng| r.random_range(0..=usize::MAX / 2);
        // Weights: growth steps are heavier while growing, shrinking ones
        // while shrinking.
        let (g, s) = if self.growing { (3, 1) } else { (1, 3) };
        let table: [(u32, u8); 20] = [
            (8 * g, 0),  // push
            (3 * g, 1),  // push many
            (5 * s, 2),  // pop
            (2 * s, 3),  // pop many
            (3 * g, 4),  // insert
            (2 * s, 5),  // remove
            (2 * s, 6),  // swap_remove
            (2 * s, 7),  // truncate
            (1, 8),      // clear
            (2 * s, 9),  // retain
            (3 * s, 10), // drain
            (2 * g, 11), // extend_from_slice
            (2 * g, 12), // reserve
            (2, 13),     // shrink_to_fit
            (g, 14),     // append
            (g, 15),     // try_extend
            (2, 16),     // resize
            (g, 17),     // extend_from_within
            (s, 18),     // split_off
            (s, 19),     // dedup_by_key
        ];
        let total: u32 = table.iter().map(|t| t.0).sum();
        let mut pick = r.random_range(0..total);
        let mut which = 0;
        for &(w, k) in &table {
            if pick < w {
                which = k;
                break;
            }
            pick -= w;
        }
        let op = match which {
            0 => Op::Push(v),
            1 => Op::PushMany {
                start: v,
                count: self.bulk(),
            },
            2 => Op::Pop,
            3 => {
                // Often most of the vector: big shrinks decommit many pages.
                let count = if self.rng.random_bool(0.5) {
                    self.rng.random_range(0..=len)
                } else {
                    self.bulk()
                };
                Op::PopMany(count)
            }
            4 => Op::Insert {
                index: any(r),
                value: v,
            },
            5 => Op::Remove { index: any(r) },
            6 => Op::SwapRemove { index: any(r) },
            7 => Op::Truncate {
                // Mostly a real cut: to a fraction of the length.
                len: match r.random_range(0..4) {
                    0 => 0,
                    1 => len / 8,
                    2 => len / 2,
                    _ => any(r),
                },
            },
            8 => Op::Clear,
            9 => Op::Retain {
                modulus: r.random_range(2..=8),
                rem: r.random_range(0..8),
            },
            10 => {
                let start = r.random_range(0..=len);
                let end = r.random_range(start..=len);
                Op::Drain {
                    start,
                    end,
                    front: r.random_range(0..=(end - start).min(8)),
                    back: r.random_range(0..=4),
                }
            }
            11 => Op::ExtendFromSlice {
                start: v,
                count: self.bulk(),
            },
            12 => Op::Reserve {
                additional: match self.rng.random_range(0..3) {
                    0 => self.rng.random_range(0..=16),
                    1 => self.bulk(),
                    _ => len + self.bulk(),
                },
            },
            13 => Op::ShrinkToFit,
            14 => Op::Append {
                start: v,
                count: self.bulk(),
            },
            15 => Op::TryExtend {
                start: v,
                count: self.bulk(),
            },
            16 => Op::Resize {
                len: if self.growing {
                    len + self.bulk()
                } else {
                    self.rng.random_range(0..=len)
                },
                value: v,
            },
            17 => Op::ExtendFromWithin {
                start: any(r),
                end: any(r),
            },
            18 => Op::SplitOff { at: any(r) },
            _ => Op::DedupByKey {
                modulus: r.random_range(1..=4),
            },
        };
        let deny_commit = self.rng.random_bool(self.flag_p);
        let fail_decommit = self.rng.random_bool(self.flag_p / 2.0);
        Step {
            op,
            deny_commit,
            fail_decommit,
        }
    }
}

// ---------------------------------------------------------------------------
// Configuration of a case
// ---------------------------------------------------------------------------

/// The fault probabilities a mapper runs with (scripted faults aside).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Probs {
    pub deny_commits: f64,
    pub deny_reserves: f64,
    pub deny_remaps: f64,
    pub fail_decommits: f64,
}

/// Everything one case runs with.
#[derive(Clone, Debug)]
pub struct CaseConfig {
    pub seed: u64,
    pub mode: Mode,
    pub probs: Probs,
    /// Whether the mapper can remap (else containers copy to move).
    pub remap: bool,
    /// The vector's first window, in pages.
    pub window_pages: usize,
    /// The generator's length cap, in pages of elements.
    pub max_pages: usize,
    /// Steps in the case.
    pub ops: usize,
    /// Probability of each scripted fault flag in generated steps.
    pub flag_p: f64,
    /// Probability that a commit lies (succeeds without committing): a
    /// deliberately broken mapper, for the self-test only.
    pub lie_on_commit: f64,
    /// A fixed window of at least this many elements (`max_capacity`)
    /// instead of a growable one: addresses never move, and growing past it
    /// is `Error::WindowFull`.
    pub fixed_capacity: Option<usize>,
    /// The vector's heap limit in bytes (`heap_limit`): 0 keeps every
    /// byte mapped; otherwise small contents live on the heap and the
    /// vector moves between heap and mapping as it grows and shrinks.
    pub heap_limit: usize,
}

/// The element types a case can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    U32,
    Tri,
    Tracked,
    Big,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::U32, Kind::Tri, Kind::Tracked, Kind::Big];
}

/// What a run holds fixed; the rest each case draws from its seed.
#[derive(Clone, Debug)]
pub struct Plan {
    pub mode: Mode,
    /// Commit denial probability; `None`: drawn from 1%..10% per case.
    pub deny: Option<f64>,
    /// Decommit failure probability; `None`: 0 in three cases of four,
    /// else drawn from 2%..20%.
    pub fail_decommits: Option<f64>,
    /// Element type; `None`: drawn per case.
    pub kind: Option<Kind>,
    /// `N` (1, 2 or 4); `None`: drawn per case.
    pub n: Option<usize>,
    /// Steps per case.
    pub ops: usize,
    /// The largest length cap, in pages of elements: each case draws its
    /// own from `2..=max_pages`.
    pub max_pages: usize,
    /// Whether to print each case's seed before running it (for child
    /// processes in trap mode, where a fault kills the process).
    pub announce: bool,
    /// Probability of each scripted fault flag of a generated step (a
    /// denied commit; a failed decommit at half this).
    pub flag_p: f64,
}

impl Plan {
    /// The plan of the default model test: poison mode, everything drawn.
    pub fn poison(ops: usize, max_pages: usize) -> Self {
        Plan {
            mode: Mode::Poison,
            deny: None,
            fail_decommits: None,
            kind: None,
            n: None,
            ops,
            max_pages,
            announce: false,
            flag_p: 0.03,
        }
    }

    /// The configuration of the case with seed `seed`, and its `N`.
    pub fn case(&self, seed: u64) -> (CaseConfig, Kind, usize) {
        let mut r = StdRng::seed_from_u64(mix(seed, 0xC0FF));
        let deny = self.deny.unwrap_or_else(|| r.random_range(0.01..=0.10f64));
        let fail = self.fail_decommits.unwrap_or_else(|| {
            if r.random_ratio(1, 4) {
                r.random_range(0.02..=0.2f64)
            } else {
                0.0
            }
        });
        let deny_remaps = if r.random_bool(0.5) {
            0.0
        } else {
            r.random_range(0.05..=0.3f64)
        };
        let deny_reserves = if r.random_bool(0.5) {
            0.0
        } else {
            r.random_range(0.05..=0.3f64)
        };
        let remap = r.random_ratio(3, 4);
        let window_pages = r.random_range(1..=8);
        // Half the cases always mapped, half moving between heap and
        // mapping under a limit of one or two pages.
        let page = mapped::Mapper::page_size(&mapped::MAPPER);
        let heap_limit = [0, 0, page, 2 * page][r.random_range(0..4)];
        // One case in eight has a fixed window, a little larger than the
        // length cap (bulk steps overshoot the cap, so WindowFull happens).
        let fixed = r.random_ratio(1, 8);
        let max_pages = r.random_range(2..=self.max_pages.max(2));
        let kind = self
            .kind
            .unwrap_or_else(|| Kind::ALL[r.random_range(0..Kind::ALL.len())]);
        let n = self.n.unwrap_or_else(|| [1, 2, 4][r.random_range(0..3)]);
        let cfg = CaseConfig {
            seed,
            mode: self.mode,
            probs: Probs {
                deny_commits: deny,
                deny_reserves,
                deny_remaps,
                fail_decommits: fail,
            },
            remap,
            window_pages,
            max_pages,
            ops: self.ops,
            flag_p: self.flag_p,
            lie_on_commit: 0.0,
            fixed_capacity: None,
            heap_limit,
        };
        let cfg = if fixed {
            let size = match kind {
                Kind::U32 => size_of::<u32>(),
                Kind::Tri => size_of::<Tri>(),
                Kind::Tracked => size_of::<Tracked>(),
                Kind::Big => size_of::<Big>(),
            };
            let per_page = (mapped::Mapper::page_size(&mapped::MAPPER) / size).max(1);
            CaseConfig {
                fixed_capacity: Some(per_page * (max_pages + 2)),
                ..cfg
            }
        } else {
            cfg
        };
        (cfg, kind, n)
    }
}

/// What a case (or a run of cases) did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    pub cases: u64,
    /// Steps applied.
    pub steps: u64,
    /// Vector method calls made (a bulk step counts each push or pop).
    pub calls: u64,
    /// Steps that returned an error (a denied commit, or a failed
    /// decommit in `shrink_to_fit`).
    pub refused_steps: u64,
    /// Refusals by a full fixed window (`Error::WindowFull`).
    pub window_full: u64,
    /// Steps that returned a refused commit or reserve (out of memory).
    pub denied_steps: u64,
    /// The mock's counters, summed.
    pub denied_commits: u64,
    pub denied_reserves: u64,
    pub denied_remaps: u64,
    pub failed_decommits: u64,
    pub commits: u64,
    pub decommits: u64,
    pub remaps: u64,
    pub unsupported_remaps: u64,
    pub poisoned_pages_checked: u64,
    pub violations: u64,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.cases += o.cases;
        self.steps += o.steps;
        self.calls += o.calls;
        self.refused_steps += o.refused_steps;
        self.window_full += o.window_full;
        self.denied_steps += o.denied_steps;
        self.denied_commits += o.denied_commits;
        self.denied_reserves += o.denied_reserves;
        self.denied_remaps += o.denied_remaps;
        self.failed_decommits += o.failed_decommits;
        self.commits += o.commits;
        self.decommits += o.decommits;
        self.remaps += o.remaps;
        self.unsupported_remaps += o.unsupported_remaps;
        self.poisoned_pages_checked += o.poisoned_pages_checked;
        self.violations += o.violations;
    }

    fn absorb_stats(&mut self, s: &MockStats) {
        self.denied_commits += s.denied_commits;
        self.denied_reserves += s.denied_reserves;
        self.denied_remaps += s.denied_remaps;
        self.failed_decommits += s.failed_decommits;
        self.commits += s.commits;
        self.decommits += s.decommits;
        self.remaps += s.remaps;
        self.unsupported_remaps += s.unsupported_remaps;
        self.poisoned_pages_checked += s.poisoned_pages_checked;
        self.violations += s.violations;
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cases, {} steps ({} vector calls), {} refused steps ({} window full); \
             mock: {} commits \
             ({} denied), {} reserves denied, {} decommits ({} failed), {} remaps \
             ({} denied, {} unsupported), {} poisoned pages checked, {} violations",
            self.cases,
            self.steps,
            self.calls,
            self.refused_steps,
            self.window_full,
            self.commits,
            self.denied_commits,
            self.denied_reserves,
            self.decommits,
            self.failed_decommits,
            self.remaps,
            self.denied_remaps,
            self.unsupported_remaps,
            self.poisoned_pages_checked,
            self.violations
        )
    }
}

// ---------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------

/// What a failure message says about where it happened.
pub struct Ctx {
    pub seed: u64,
    pub what: String,
    pub step: usize,
    pub recent: VecDeque<String>,
}

impl fmt::Display for Ctx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\n  case seed {seed} (replay: MAPPED_SEED={seed} {CASES_ENV}=1 with the same \
             test, or the soak with --seed {seed} --cases 1)\n  {}\n  at step {}; last steps:",
            self.what,
            self.step,
            seed = self.seed
        )?;
        for s in &self.recent {
            write!(f, "\n    {s}")?;
        }
        Ok(())
    }
}

/// Asserts with the harness's context (seed, configuration, last steps).
macro_rules! ensure {
    ($ctx:expr, $cond:expr, $($fmt:tt)+) => {
        if !$cond {
            panic!("fuzz check failed: {}{}", format_args!($($fmt)+), $ctx);
        }
    };
}

/// Whether a step removed elements, and how many shrink checks it made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Removal {
    None,
    /// One shrink check, at the end (pop, truncate, retain, drain, ...).
    Once,
    /// A check per removal (a run of pops).
    Many,
}

impl Removal {
    fn once_if(removed: bool) -> Self {
        if removed {
            Removal::Once
        } else {
            Removal::None
        }
    }
}

/// The vector's state before a call, to compare after a refused one.
#[derive(Clone, Copy)]
struct Before {
    len: usize,
    committed: usize,
    storage: mapped::Storage,
    stats: MockStats,
}

/// A `MappedVector<T, N>` on a `FaultyMapper`, and its std `Vec` model.
pub struct Harness<T: Elem, const N: usize> {
    pub mock: Arc<FaultyMapper>,
    pub v: MappedVector<T, N>,
    pub model: Vec<T>,
    pub probs: Probs,
    /// The lie probability (self-test only), restored with `probs`.
    lie: f64,
    pub ctx: Ctx,
    pub tally: Tally,
    page: usize,
    heap_limit: usize,
}

impl<T: Elem, const N: usize> Harness<T, N> {
    /// A mapper for `cfg`, and an empty vector on it with a window of
    /// `cfg.window_pages` pages. Resets the drop ledger.
    pub fn new(cfg: &CaseConfig) -> Self {
        fault_reporter::set_case(cfg.seed);
        ledger::reset();
        let mock = FaultyMapper::builder()
            .seed(cfg.seed)
            .env_seed(false)
            .mode(cfg.mode)
            .deny_commits(cfg.probs.deny_commits)
            .deny_reserves(cfg.probs.deny_reserves)
            .deny_remaps(cfg.probs.deny_remaps)
            .fail_decommits(cfg.probs.fail_decommits)
            .remap(cfg.remap)
            .lie_on_commit(cfg.lie_on_commit)
            .build_arc();
        let page = mapped::Mapper::page_size(&*mock);
        let b = MappedVector::<T, N>::builder(mock.clone()).heap_limit(cfg.heap_limit);
        let v = match cfg.fixed_capacity {
            Some(max) => {
                // A fixed window is reserved at build: not the fault under test.
                mock.set_deny_reserves(0.0);
                let v = b.max_capacity(max).build().expect("build a fixed window");
                mock.set_deny_reserves(cfg.probs.deny_reserves);
                v
            }
            None => b
                .initial_window(cfg.window_pages * page)
                .build()
                .expect("a growable window reserves nothing at build"),
        };
        let what = format!(
            "T = {}, N = {N}, mode {:?}, {:?}, remap {}, heap limit {}, window {}, cap {} pages",
            T::NAME,
            cfg.mode,
            cfg.probs,
            cfg.remap,
            cfg.heap_limit,
            match cfg.fixed_capacity {
                Some(max) => format!("fixed at {max} elements"),
                None => format!("{} pages", cfg.window_pages),
            },
            cfg.max_pages
        );
        Harness {
            mock,
            v,
            model: Vec::new(),
            probs: cfg.probs,
            lie: cfg.lie_on_commit,
            ctx: Ctx {
                seed: cfg.seed,
                what,
                step: 0,
                recent: VecDeque::new(),
            },
            tally: Tally::default(),
            page,
            heap_limit: match cfg.fixed_capacity {
                Some(_) => 0,
                None => cfg.heap_limit,
            },
        }
    }

    /// Elements per page (at least 1).
    pub fn per_page(&self) -> usize {
        (self.page / size_of::<T>()).max(1)
    }

    fn before(&self) -> Before {
        Before {
            len: self.v.len(),
            committed: self.v.committed_bytes(),
            storage: self.v.storage(),
            stats: self.mock.stats(),
        }
    }

    /// Sets the mapper's fault probabilities to `p`.
    fn set_probs(&self, p: Probs) {
        self.mock.set_deny_commits(p.deny_commits);
        self.mock.set_deny_reserves(p.deny_reserves);
        self.mock.set_deny_remaps(p.deny_remaps);
        self.mock.set_fail_decommits(p.fail_decommits);
    }

    /// Scripts the step's faults, right before its vector call.
    fn arm(&self, step: &Step) {
        if step.deny_commit {
            self.mock.deny_next_commits(1);
        }
        if step.fail_decommit {
            self.mock.fail_next_decommits(1);
        }
    }

    /// A call that needs memory returned `Ok`: no commit may have been
    /// refused during it (a refusal must be returned, not swallowed). A
    /// refused reserve may have been: the vector then retries with smaller
    /// windows, as under a scarce address space.
    fn granted(&self, b: &Before, what: &str) {
        let s = self.mock.stats();
        ensure!(
            self.ctx,
            s.denied_commits == b.stats.denied_commits,
            "{what} returned Ok although a commit was refused during it \
             (denied commits {} -> {})",
            b.stats.denied_commits,
            s.denied_commits,
        );
    }

    /// A call that needs memory returned `error`: it must be a refusal the
    /// mapper made during the call, and the vector must be as before.
    fn refused(&mut self, b: &Before, error: &Error, what: &str) {
        let s = self.mock.stats();
        if self.acceptable_window_full(error) {
            self.unchanged(b, what);
            self.tally.refused_steps += 1;
            self.tally.window_full += 1;
            return;
        }
        ensure!(
            self.ctx,
            error.is_out_of_memory(),
            "{what} failed with {error:?}, not out-of-memory"
        );
        ensure!(
            self.ctx,
            s.denied_commits > b.stats.denied_commits
                || s.denied_reserves > b.stats.denied_reserves,
            "{what} failed ({error}) but the mapper refused nothing"
        );
        self.unchanged(b, what);
        self.tally.refused_steps += 1;
        self.tally.denied_steps += 1;
    }

    /// Whether `error` is a fixed window's `WindowFull`, which must then be
    /// right: the bytes needed exceed the window.
    fn acceptable_window_full(&self, error: &Error) -> bool {
        match *error {
            Error::WindowFull { needed, max } => {
                ensure!(
                    self.ctx,
                    self.v.max_capacity().is_some() && needed > max,
                    "WindowFull {{ needed: {needed}, max: {max} }} for a window of {:?} elements",
                    self.v.max_capacity()
                );
                true
            }
            _ => false,
        }
    }

    /// Length and committed bytes are as in `b` (the elements are compared
    /// with the model by the step check).
    fn unchanged(&self, b: &Before, what: &str) {
        ensure!(
            self.ctx,
            self.v.len() == b.len,
            "after a refused {what}: len {} != {} before",
            self.v.len(),
            b.len
        );
        ensure!(
            self.ctx,
            self.v.committed_bytes() == b.committed && self.v.storage() == b.storage,
            "after a refused {what}: committed {} ({:?}) != {} ({:?}) before",
            self.v.committed_bytes(),
            self.v.storage(),
            b.committed,
            b.storage
        );
    }

    /// Pushes `value`; on a refusal checks the value comes back. Returns
    /// whether it was pushed.
    fn push_checked(&mut self, value: T, what: &str) -> bool {
        let expect = value.clone();
        let ident = value.ident();
        let b = self.before();
        self.tally.calls += 1;
        match self.v.push(value) {
            Ok(()) => {
                self.granted(&b, what);
                self.model.push(expect);
                true
            }
            Err(e) => {
                let (back, error) = e.into_parts();
                self.refused(&b, &error, what);
                ensure!(
                    self.ctx,
                    back.ident() == ident && back == expect,
                    "{what}: handed back {back:?}, pushed {expect:?}"
                );
                false
            }
        }
    }

    fn values(start: u64, count: usize) -> Vec<T> {
        (0..count as u64).map(|i| T::make(start + i)).collect()
    }

    /// Applies one step and checks the vector against the model.
    pub fn step(&mut self, step: &Step) {
        self.ctx.step += 1;
        if self.ctx.recent.len() == 12 {
            self.ctx.recent.pop_front();
        }
        self.ctx.recent.push_back(format!(
            "#{} {step}  (len {} before)",
            self.ctx.step,
            self.v.len()
        ));
        let b = self.before();
        let removed = self.apply(step);
        if step.deny_commit || step.fail_decommit {
            // A scripted fault the call did not use must not leak into the
            // next step. (`clear_faults` turns everything off, lies too.)
            self.mock.clear_faults();
            self.set_probs(self.probs);
            self.mock.set_lie_on_commit(self.lie);
        }
        self.tally.steps += 1;
        self.check();
        // Shrinking: unless a decommit failed, the vector must have given
        // memory back down to the policy (fewer than a quarter in use is
        // never left committed), and a call that checks once and gave
        // memory back must have kept exactly the policy's target (at most
        // half full afterwards: the hysteresis).
        let after = self.mock.stats();
        // (A vector that moved back to the heap gave everything back.)
        let mapped = self.v.storage() == mapped::Storage::Mapped;
        if removed != Removal::None && mapped && after.failed_decommits == b.stats.failed_decommits
        {
            let size = size_of::<T>();
            let initial = expect::floor(N, self.page, size);
            let (live, committed) = (self.v.len() * size, self.v.committed_bytes());
            ensure!(
                self.ctx,
                committed <= b.committed.max(initial),
                "a removal grew the committed bytes: {} -> {committed}",
                b.committed
            );
            ensure!(
                self.ctx,
                !expect::sparse(live, committed, initial),
                "after a shrinking step {committed} bytes stay committed for {live} live bytes \
                 (initial {initial}): the shrink did not happen"
            );
            let target = expect::after_shrink(live, initial, self.page);
            ensure!(
                self.ctx,
                removed == Removal::Many
                    || after.decommits == b.stats.decommits
                    || committed == target,
                "a shrink left {committed} bytes committed for {live} live bytes; \
                 the policy's target is {target}"
            );
        }
    }

    /// Applies the step's operation to the vector and the model; returns
    /// whether it removed elements (and so must have applied the shrink
    /// policy), and how often it checked.
    fn apply(&mut self, step: &Step) -> Removal {
        let len = self.v.len();
        match step.op {
            Op::Push(value) => {
                self.arm(step);
                self.push_checked(T::make(value), "push");
                Removal::None
            }
            Op::PushMany { start, count } => {
                self.arm(step);
                for i in 0..count as u64 {
                    if !self.push_checked(T::make(start + i), "push (bulk)") {
                        break;
                    }
                }
                Removal::None
            }
            Op::Pop => {
                self.arm(step);
                self.tally.calls += 1;
                let got = self.v.pop();
                let want = self.model.pop();
                ensure!(self.ctx, got == want, "pop: got {got:?}, model {want:?}");
                Removal::once_if(len > 0)
            }
            Op::PopMany(count) => {
                self.arm(step);
                for _ in 0..count {
                    self.tally.calls += 1;
                    let got = self.v.pop();
                    let want = self.model.pop();
                    ensure!(self.ctx, got == want, "pop: got {got:?}, model {want:?}");
                    if want.is_none() {
                        break;
                    }
                }
                if len > 0 && count > 0 {
                    Removal::Many
                } else {
                    Removal::None
                }
            }
            Op::Insert { index, value } => {
                let index = index % (len + 1);
                let x = T::make(value);
                let expect = x.clone();
                let ident = x.ident();
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.insert(index, x) {
                    Ok(()) => {
                        self.granted(&b, "insert");
                        self.model.insert(index, expect);
                    }
                    Err(e) => {
                        let (back, error) = e.into_parts();
                        self.refused(&b, &error, "insert");
                        ensure!(
                            self.ctx,
                            back.ident() == ident && back == expect,
                            "insert: handed back {back:?}, inserted {expect:?}"
                        );
                    }
                }
                Removal::None
            }
            Op::Remove { index } => {
                if len == 0 {
                    return Removal::None;
                }
                let index = index % len;
                self.arm(step);
                self.tally.calls += 1;
                let got = self.v.remove(index);
                let want = self.model.remove(index);
                ensure!(
                    self.ctx,
                    got == want,
                    "remove({index}): got {got:?}, model {want:?}"
                );
                Removal::Once
            }
            Op::SwapRemove { index } => {
                if len == 0 {
                    return Removal::None;
                }
                let index = index % len;
                self.arm(step);
                self.tally.calls += 1;
                let got = self.v.swap_remove(index);
                let want = self.model.swap_remove(index);
                ensure!(
                    self.ctx,
                    got == want,
                    "swap_remove({index}): got {got:?}, model {want:?}"
                );
                Removal::Once
            }
            Op::Truncate { len: to } => {
                let to = to % (len + 1);
                self.arm(step);
                self.tally.calls += 1;
                self.v.truncate(to);
                self.model.truncate(to);
                Removal::once_if(to < len)
            }
            Op::Clear => {
                self.arm(step);
                self.tally.calls += 1;
                self.v.clear();
                self.model.clear();
                // `clear` promises the initial pages, even when empty.
                Removal::Once
            }
            Op::Retain { modulus, rem } => {
                let modulus = modulus.max(1);
                self.arm(step);
                self.tally.calls += 1;
                self.v.retain(|x| x.key() % modulus != rem);
                self.model.retain(|x| x.key() % modulus != rem);
                Removal::Once
            }
            Op::Drain {
                start,
                end,
                front,
                back,
            } => {
                let a = start % (len + 1);
                let b = a + end % (len - a + 1);
                self.arm(step);
                self.tally.calls += 1;
                let mut d = self.v.drain(a..b);
                let mut m = self.model.drain(a..b);
                ensure!(
                    self.ctx,
                    d.len() == m.len(),
                    "drain({a}..{b}): len {}",
                    d.len()
                );
                for _ in 0..front {
                    let (got, want) = (d.next(), m.next());
                    ensure!(
                        self.ctx,
                        got == want,
                        "drain({a}..{b}).next(): got {got:?}, model {want:?}"
                    );
                }
                for _ in 0..back {
                    let (got, want) = (d.next_back(), m.next_back());
                    ensure!(
                        self.ctx,
                        got == want,
                        "drain({a}..{b}).next_back(): got {got:?}, model {want:?}"
                    );
                }
                ensure!(
                    self.ctx,
                    d.as_slice() == m.as_slice(),
                    "drain({a}..{b}): the rest differs"
                );
                drop(d);
                drop(m);
                Removal::Once
            }
            Op::ExtendFromSlice { start, count } => {
                let items = Self::values(start, count);
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.extend_from_slice(&items) {
                    Ok(()) => {
                        self.granted(&b, "extend_from_slice");
                        self.model.extend(items);
                    }
                    Err(e) => self.refused(&b, &e, "extend_from_slice"),
                }
                Removal::None
            }
            Op::Resize {
                len: new_len,
                value,
            } => {
                let value = T::make(value);
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.resize(new_len, value.clone()) {
                    Ok(()) => {
                        self.granted(&b, "resize");
                        self.model.resize(new_len, value);
                    }
                    Err(e) => self.refused(&b, &e, "resize"),
                }
                Removal::once_if(new_len < len)
            }
            Op::ExtendFromWithin { start, end } => {
                let (mut a, mut z) = (start % (len + 1), end % (len + 1));
                if a > z {
                    std::mem::swap(&mut a, &mut z);
                }
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.extend_from_within(a..z) {
                    Ok(()) => {
                        self.granted(&b, "extend_from_within");
                        self.model.extend_from_within(a..z);
                    }
                    Err(e) => self.refused(&b, &e, "extend_from_within"),
                }
                Removal::None
            }
            Op::SplitOff { at } => {
                let at = at % (len + 1);
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.split_off(at) {
                    Ok(tail) => {
                        self.granted(&b, "split_off");
                        let want = self.model.split_off(at);
                        ensure!(
                            self.ctx,
                            tail[..] == want[..],
                            "split_off({at}): the tail differs"
                        );
                        Removal::once_if(at < len)
                    }
                    Err(e) => {
                        self.refused(&b, &e, "split_off");
                        Removal::None
                    }
                }
            }
            Op::DedupByKey { modulus } => {
                self.tally.calls += 1;
                self.v.dedup_by_key(|x| x.key() % modulus);
                self.model.dedup_by_key(|x| x.key() % modulus);
                Removal::once_if(self.v.len() < len)
            }
            Op::Reserve { additional } => {
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.reserve(additional) {
                    Ok(()) => {
                        self.granted(&b, "reserve");
                        ensure!(
                            self.ctx,
                            self.v.capacity() - self.v.len() >= additional,
                            "reserve({additional}) Ok but capacity {} for len {}",
                            self.v.capacity(),
                            self.v.len()
                        );
                    }
                    Err(e) => self.refused(&b, &e, "reserve"),
                }
                Removal::None
            }
            Op::ShrinkToFit => {
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                let size = size_of::<T>();
                let initial = expect::floor(N, self.page, size);
                let fit = expect::after_fit(len * size, initial, self.page);
                match self.v.shrink_to_fit() {
                    Ok(()) if self.v.storage() != mapped::Storage::Mapped => {
                        // Contents that fit under the heap limit leave the
                        // mapping for the heap.
                        ensure!(
                            self.ctx,
                            len * size <= self.heap_limit,
                            "shrink_to_fit: {} bytes on the heap, limit {}",
                            len * size,
                            self.heap_limit
                        );
                    }
                    Ok(()) => {
                        let want = fit.min(b.committed);
                        ensure!(
                            self.ctx,
                            self.v.committed_bytes() == want,
                            "shrink_to_fit: committed {} (was {}), policy says {want}",
                            self.v.committed_bytes(),
                            b.committed
                        );
                    }
                    Err(e) => {
                        let s = self.mock.stats();
                        ensure!(
                            self.ctx,
                            e.os_error().is_some() && s.failed_decommits > b.stats.failed_decommits,
                            "shrink_to_fit failed ({e:?}) but no decommit failed"
                        );
                        self.unchanged(&b, "shrink_to_fit");
                        self.tally.refused_steps += 1;
                    }
                }
                Removal::None
            }
            Op::Append { start, count } => {
                let items = Self::values(start, count);
                // Fill `other` with faults off: the fault is for `append`.
                let mut other = MappedVector::<T, 2>::new(self.mock.clone());
                self.set_probs(Probs::default());
                for x in items.iter().cloned() {
                    if other.push(x).is_err() {
                        panic!("filling append's source failed with faults off{}", self.ctx);
                    }
                }
                self.set_probs(self.probs);
                self.arm(step);
                let b = self.before();
                let other_committed = other.committed_bytes();
                self.tally.calls += 1;
                match self.v.append(&mut other) {
                    Ok(()) => {
                        self.granted(&b, "append");
                        ensure!(
                            self.ctx,
                            other.is_empty(),
                            "append left {} in other",
                            other.len()
                        );
                        self.model.extend(items);
                    }
                    Err(e) => {
                        self.refused(&b, &e, "append");
                        ensure!(
                            self.ctx,
                            other[..] == items[..] && other.committed_bytes() == other_committed,
                            "a refused append changed its source"
                        );
                    }
                }
                drop(other);
                Removal::None
            }
            Op::TryExtend { start, count } => {
                let items = Self::values(start, count);
                let idents: Vec<u64> = items.iter().map(Elem::ident).collect();
                let expect = items.clone();
                let mut iter = items.into_iter();
                self.arm(step);
                let before_len = self.v.len();
                self.tally.calls += 1;
                let result = self.v.try_extend(&mut iter);
                let pushed = self.v.len() - before_len;
                self.model.extend(expect[..pushed].iter().cloned());
                match result {
                    Ok(()) => ensure!(
                        self.ctx,
                        pushed == count,
                        "try_extend Ok after {pushed} of {count}"
                    ),
                    Err(e) => {
                        let (back, error) = e.into_parts();
                        let full = self.acceptable_window_full(&error);
                        ensure!(
                            self.ctx,
                            (error.is_out_of_memory() || full) && pushed < count,
                            "try_extend: {error:?} after {pushed} of {count}"
                        );
                        self.tally.window_full += u64::from(full);
                        self.tally.denied_steps += u64::from(!full);
                        ensure!(
                            self.ctx,
                            back.ident() == idents[pushed] && back == expect[pushed],
                            "try_extend handed back {back:?}, expected {:?}",
                            expect[pushed]
                        );
                        let rest: Vec<T> = iter.collect();
                        ensure!(
                            self.ctx,
                            rest[..] == expect[pushed + 1..],
                            "try_extend: the iterator does not hold the rest"
                        );
                        self.tally.refused_steps += 1;
                    }
                }
                Removal::None
            }
        }
    }

    /// The checks after every step.
    pub fn check(&self) {
        let (v, model) = (&self.v, &self.model);
        ensure!(
            self.ctx,
            v.len() == model.len(),
            "len {} != model {}",
            v.len(),
            model.len()
        );
        if let Some(i) = (0..v.len()).find(|&i| v[i] != model[i]) {
            panic!(
                "fuzz check failed: element {i} is {:?}, model {:?}{}",
                v[i], model[i], self.ctx
            );
        }
        let size = size_of::<T>();
        let (committed, page) = (v.committed_bytes(), self.page);
        let base = v.as_ptr() as *const u8;
        if v.storage() != mapped::Storage::Mapped {
            ensure!(
                self.ctx,
                committed == 0
                    && v.reserved_bytes() == 0
                    && v.heap_bytes() >= v.len() * size
                    && v.heap_bytes() <= self.heap_limit.max(size)
                    && self.mock.live_reservations() == 0
                    && self.mock.committed_bytes() == 0,
                "on the heap ({} bytes, limit {}): committed {committed}, reserved {}, \
                 {} live reservations",
                v.heap_bytes(),
                self.heap_limit,
                v.reserved_bytes(),
                self.mock.live_reservations()
            );
            return self.check_clean();
        }
        ensure!(
            self.ctx,
            self.mock.check_committed(base, v.len() * size),
            "live elements [{base:p}, +{:#x}) not wholly in committed pages",
            v.len() * size
        );
        ensure!(
            self.ctx,
            committed % page == 0 && v.capacity() >= v.len() && committed >= v.len() * size,
            "committed {committed} for {} elements of {size} bytes",
            v.len()
        );
        ensure!(
            self.ctx,
            self.mock.check_committed(base, committed),
            "the vector says {committed} bytes are committed, the mapper disagrees"
        );
        let shadow = self.mock.committed_bytes();
        ensure!(
            self.ctx,
            shadow == committed,
            "the vector says {committed} bytes are committed, the mapper's shadow {shadow}"
        );
        let reservations = self.mock.live_reservations();
        ensure!(
            self.ctx,
            reservations == usize::from(v.reserved_bytes() > 0)
                && self.mock.reserved_bytes() == v.reserved_bytes(),
            "{reservations} live reservations of {} bytes; the vector has {} bytes",
            self.mock.reserved_bytes(),
            v.reserved_bytes()
        );
        self.check_clean();
    }

    /// The checks of every step whatever the storage: no violation, no
    /// redundant commit, every tracked element alive exactly once.
    fn check_clean(&self) {
        let (v, model) = (&self.v, &self.model);
        let stats = self.mock.stats();
        ensure!(
            self.ctx,
            stats.violations == 0,
            "violations: {}",
            self.mock.report()
        );
        // A vector whose idea of its committed bytes is true never commits
        // a page that is committed already.
        ensure!(
            self.ctx,
            stats.redundant_commit_pages == 0,
            "{} pages committed while already committed",
            stats.redundant_commit_pages
        );
        if T::TRACKED {
            let bad = ledger::bad_drops();
            ensure!(
                self.ctx,
                bad.is_empty(),
                "dropped twice (or junk dropped): serials {bad:?}"
            );
            let live = ledger::live();
            ensure!(
                self.ctx,
                live == v.len() + model.len(),
                "{live} tracked instances live, {} in the vector and {} in the model",
                v.len(),
                model.len()
            );
        }
    }

    /// Drops everything and checks the end state: zero violations, every
    /// reservation released, every element dropped exactly once.
    pub fn finish(self) -> Tally {
        let Harness {
            mock,
            v,
            model,
            ctx,
            mut tally,
            ..
        } = self;
        drop(v);
        drop(model);
        tally.cases = 1;
        tally.absorb_stats(&mock.stats());
        ensure!(
            ctx,
            mock.violations().is_empty(),
            "violations at the end: {}",
            mock.report()
        );
        mock.assert_clean();
        ensure!(
            ctx,
            mock.live_reservations() == 0,
            "{} reservations not released",
            mock.live_reservations()
        );
        let end = mock.stats();
        ensure!(
            ctx,
            end.poisoned_pages_checked == end.poisoned_pages,
            "{} pages poisoned but {} checked",
            end.poisoned_pages,
            end.poisoned_pages_checked
        );
        if T::TRACKED {
            let (created, dropped) = ledger::counts();
            let bad = ledger::bad_drops();
            ensure!(
                ctx,
                bad.is_empty() && created == dropped && ledger::live() == 0,
                "{created} tracked instances made, {dropped} dropped, {} live, bad drops {bad:?}",
                ledger::live()
            );
        }
        tally
    }
}

/// Runs `steps` on a fresh harness for `cfg`.
pub fn run_steps<T: Elem, const N: usize>(cfg: &CaseConfig, steps: &[Step]) -> Tally {
    let mut h = Harness::<T, N>::new(cfg);
    for s in steps {
        h.step(s);
    }
    h.finish()
}

/// Runs `cfg.ops` generated steps on a fresh harness for `cfg`.
pub fn run_generated<T: Elem, const N: usize>(cfg: &CaseConfig) -> Tally {
    let mut h = Harness::<T, N>::new(cfg);
    let per_page = h.per_page();
    let mut g = Generator::new(
        mix(cfg.seed, 0x5EED),
        per_page,
        per_page * cfg.max_pages,
        cfg.flag_p,
    );
    for _ in 0..cfg.ops {
        let s = g.next(h.v.len());
        h.step(&s);
    }
    h.finish()
}

/// Runs the case with seed `seed` of `plan`.
pub fn run_case(plan: &Plan, seed: u64) -> Tally {
    let (cfg, kind, n) = plan.case(seed);
    if plan.announce {
        eprintln!("case seed {seed}: {kind:?}, N = {n}, {cfg:?}");
    }
    macro_rules! dispatch {
        ($($k:ident => $t:ty),*) => {
            match (kind, n) {
                $(
                    (Kind::$k, 1) => run_generated::<$t, 1>(&cfg),
                    (Kind::$k, 2) => run_generated::<$t, 2>(&cfg),
                    (Kind::$k, _) => run_generated::<$t, 4>(&cfg),
                )*
            }
        };
    }
    dispatch!(U32 => u32, Tri => Tri, Tracked => Tracked, Big => Big)
}

/// Runs `cases` cases of `plan` from the master seed, returning the tally.
pub fn run_cases(plan: &Plan, master: u64, cases: usize) -> Tally {
    let mut total = Tally::default();
    for i in 0..cases {
        let seed = case_seed(master, i);
        total.add(&run_case(plan, seed));
    }
    total
}

// ---------------------------------------------------------------------------
// proptest strategies: the fault decisions are fields of each step, so
// shrinking removes every fault not needed to fail.
// ---------------------------------------------------------------------------

/// proptest strategies for [`Op`] and [`Step`], and a runner seeded from
/// one seed.
pub mod strategies {
    use super::{mix, Op, Step};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    /// Any operation, indices and counts unreduced (bulk counts below 600).
    pub fn op() -> impl Strategy<Value = Op> {
        let idx = 0usize..10_000;
        let val = 0u64..1_000_000;
        let bulk = 0usize..600;
        prop_oneof![
            8 => val.clone().prop_map(Op::Push),
            3 => (val.clone(), bulk.clone())
                .prop_map(|(start, count)| Op::PushMany { start, count }),
            5 => Just(Op::Pop),
            2 => bulk.clone().prop_map(Op::PopMany),
            3 => (idx.clone(), val.clone())
                .prop_map(|(index, value)| Op::Insert { index, value }),
            2 => idx.clone().prop_map(|index| Op::Remove { index }),
            2 => idx.clone().prop_map(|index| Op::SwapRemove { index }),
            2 => idx.clone().prop_map(|len| Op::Truncate { len }),
            1 => Just(Op::Clear),
            2 => (2u64..8, 0u64..8).prop_map(|(modulus, rem)| Op::Retain { modulus, rem }),
            3 => (idx.clone(), idx.clone(), 0usize..8, 0usize..4)
                .prop_map(|(start, end, front, back)| Op::Drain { start, end, front, back }),
            2 => (val.clone(), bulk.clone())
                .prop_map(|(start, count)| Op::ExtendFromSlice { start, count }),
            2 => (0usize..2000).prop_map(|additional| Op::Reserve { additional }),
            1 => Just(Op::ShrinkToFit),
            1 => (val.clone(), bulk.clone())
                .prop_map(|(start, count)| Op::Append { start, count }),
            1 => (val.clone(), bulk.clone())
                .prop_map(|(start, count)| Op::TryExtend { start, count }),
            1 => (bulk, val).prop_map(|(len, value)| Op::Resize { len, value }),
            1 => (idx.clone(), idx.clone())
                .prop_map(|(start, end)| Op::ExtendFromWithin { start, end }),
            1 => idx.prop_map(|at| Op::SplitOff { at }),
            1 => (1u64..4).prop_map(|modulus| Op::DedupByKey { modulus }),
        ]
    }

    /// A step: an operation, a commit denial (15%) and a decommit failure
    /// (10%).
    pub fn step() -> impl Strategy<Value = Step> {
        (op(), prop::bool::weighted(0.15), prop::bool::weighted(0.1)).prop_map(
            |(op, deny_commit, fail_decommit)| Step {
                op,
                deny_commit,
                fail_decommit,
            },
        )
    }

    /// Sequences of 1 to 99 steps.
    pub fn steps() -> impl Strategy<Value = Vec<Step>> {
        prop::collection::vec(step(), 1..100)
    }

    /// A runner of `cases` cases whose every random choice comes from
    /// `seed`, writing no failure files.
    pub fn runner(seed: u64, cases: u32) -> TestRunner {
        let mut bytes = [0u8; 32];
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            chunk.copy_from_slice(&mix(seed, i as u64).to_le_bytes());
        }
        let config = Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 4096,
            ..Config::default()
        };
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
    }
}
