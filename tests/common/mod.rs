//! Helpers shared by the integration tests: a configurable test mapper that
//! fails on demand and counts what it does, an observer that records every
//! event, a drop-counting zero-sized element, and the process's resident
//! memory. (Each test binary compiles
//! this module; not all use every item.)
#![allow(dead_code)]

pub mod metrics;

use mapped::{Event, Mapper, Observer, Op, MAPPER};
use std::cell::Cell;
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;

/// Forwards to the OS mapper ([`MAPPER`]), except that it refuses commits
/// while commits are denied (`OutOfMemory`) and decommits while decommits
/// are denied (`EAGAIN`), as the OS would, and, built
/// [`without_remap`](TestMapper::without_remap), keeps the trait's default
/// `remap` (`Unsupported`), so a window move reserves, commits, copies and
/// releases. Counts what it forwards.
///
/// The counters are public: a test reads them, and a `static` one is built
/// with the `const` constructors.
pub struct TestMapper {
    /// What [`Mapper::name`] reports: the `mapper` label of metrics and spans.
    name: &'static str,
    remap: bool,
    deny_commits: AtomicBool,
    deny_decommits: AtomicBool,
    /// Successful reservations.
    pub reserves: AtomicUsize,
    /// Successful releases.
    pub releases: AtomicUsize,
    /// Bytes reserved and not yet released (a successful remap moves the
    /// count from the old length to the new).
    pub reserved: AtomicIsize,
    /// Commits passed on to the OS (attempts made while commits are allowed).
    pub commits: AtomicUsize,
    /// Commits refused while commits were denied.
    pub refused: AtomicUsize,
}

impl TestMapper {
    /// A mapper that reports `name`, allows everything and can `remap`.
    pub const fn new(name: &'static str) -> TestMapper {
        TestMapper {
            name,
            remap: true,
            deny_commits: AtomicBool::new(false),
            deny_decommits: AtomicBool::new(false),
            reserves: AtomicUsize::new(0),
            releases: AtomicUsize::new(0),
            reserved: AtomicIsize::new(0),
            commits: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
        }
    }

    /// The same, but `remap` says `Unsupported` (the trait's default).
    pub const fn without_remap(self) -> TestMapper {
        TestMapper {
            remap: false,
            ..self
        }
    }

    pub fn deny_commits(&self, on: bool) {
        self.deny_commits.store(on, SeqCst);
    }

    pub fn deny_decommits(&self, on: bool) {
        self.deny_decommits.store(on, SeqCst);
    }
}

// SAFETY: every call is forwarded to the OS mapper, which keeps the
// contract; a refused commit or decommit touches nothing, as a failing
// `mprotect` or `madvise` would, and an unsupported `remap` leaves the old
// reservation as it was.
unsafe impl Mapper for TestMapper {
    fn page_size(&self) -> usize {
        MAPPER.page_size()
    }
    fn name(&self) -> &'static str {
        self.name
    }
    fn reserve(&self, len: usize) -> io::Result<NonNull<u8>> {
        let p = MAPPER.reserve(len)?;
        self.reserves.fetch_add(1, SeqCst);
        self.reserved.fetch_add(len as isize, SeqCst);
        Ok(p)
    }
    unsafe fn commit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if self.deny_commits.load(SeqCst) {
            self.refused.fetch_add(1, SeqCst);
            return Err(io::ErrorKind::OutOfMemory.into());
        }
        self.commits.fetch_add(1, SeqCst);
        // SAFETY: the caller's promise, passed on.
        unsafe { MAPPER.commit(addr, len) }
    }
    unsafe fn decommit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if self.deny_decommits.load(SeqCst) {
            return Err(io::Error::from_raw_os_error(EAGAIN));
        }
        // SAFETY: the caller's promise, passed on.
        unsafe { MAPPER.decommit(addr, len) }
    }
    unsafe fn release(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        // SAFETY: the caller's promise, passed on.
        unsafe { MAPPER.release(addr, len) }?;
        self.releases.fetch_add(1, SeqCst);
        self.reserved.fetch_sub(len as isize, SeqCst);
        Ok(())
    }
    unsafe fn remap(
        &self,
        old: NonNull<u8>,
        old_len: usize,
        committed: usize,
        new_len: usize,
    ) -> io::Result<NonNull<u8>> {
        if !self.remap {
            return Err(io::ErrorKind::Unsupported.into());
        }
        // SAFETY: the caller's promise, passed on.
        let p = unsafe { MAPPER.remap(old, old_len, committed, new_len) }?;
        self.reserved
            .fetch_add(new_len as isize - old_len as isize, SeqCst);
        Ok(p)
    }
}

/// Linux's `EAGAIN`: what a refused decommit says.
const EAGAIN: i32 = 11;

/// A zero-sized element that counts its drops, per thread (each test runs
/// on its own thread, so tests running in parallel do not see each other's
/// drops).
#[derive(Clone, Debug, PartialEq)]
pub struct ZstDrops;

thread_local! {
    static ZST_DROPS: Cell<usize> = const { Cell::new(0) };
}

impl ZstDrops {
    /// How many `ZstDrops` this thread has dropped so far.
    pub fn count() -> usize {
        ZST_DROPS.with(Cell::get)
    }
}

impl Drop for ZstDrops {
    fn drop(&mut self) {
        ZST_DROPS.with(|d| d.set(d.get() + 1));
    }
}

/// Resident bytes of this process: the second field of `/proc/self/statm`
/// (in pages) times the page size.
pub fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("read /proc/self/statm");
    let resident: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|f| f.parse().ok())
        .unwrap_or_else(|| panic!("unexpected /proc/self/statm: {statm:?}"));
    resident * MAPPER.page_size()
}

/// One observed event, owned.
#[derive(Clone, Debug)]
pub struct Seen {
    pub op: Op,
    pub ok: bool,
    pub bytes: usize,
    pub name: Option<String>,
}

/// An observer that records every event it sees.
#[derive(Default)]
pub struct Recording(pub Mutex<Vec<Seen>>);

impl Observer for Recording {
    fn on_event(&self, e: &Event<'_>) {
        let seen = Seen {
            op: e.op,
            ok: e.is_ok(),
            bytes: e.bytes,
            name: e.name.map(String::from),
        };
        self.0.lock().unwrap().push(seen);
    }
}

impl Recording {
    /// The operations seen so far, in order.
    pub fn ops(&self) -> Vec<Op> {
        self.0.lock().unwrap().iter().map(|s| s.op).collect()
    }

    /// How many events of `op` were seen so far.
    pub fn count(&self, op: Op) -> usize {
        self.0.lock().unwrap().iter().filter(|s| s.op == op).count()
    }
}
