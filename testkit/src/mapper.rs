//! [`TestMapper`]: the OS mapper, refusing on demand and counting.

use mapped::Mapper;
use mapped_mock::os_mapper;
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;
use std::time::Duration;

/// Forwards to the OS mapper ([`os_mapper`]: `MAPPER`, or the heap mapper
/// where it cannot map), except that it refuses commits while commits
/// are denied (`OutOfMemory`) and decommits while decommits are denied
/// (`WouldBlock`, what `EAGAIN` is), as the OS would, and, built
/// [`without_remap`](TestMapper::without_remap), keeps the trait's default
/// `remap` (`Unsupported`), so a window move reserves, commits, copies and
/// releases. Counts what it forwards. Built
/// [`with_populate`](TestMapper::with_populate), it also forwards populate
/// hints (otherwise `Unsupported`, the trait's default) and records them.
///
/// The counters are public: a test reads them, and a `static` one is built
/// with the `const` constructors.
pub struct TestMapper {
    /// What [`Mapper::name`] reports: the `mapper` label of metrics and spans.
    name: &'static str,
    remap: bool,
    populate: bool,
    deny_commits: AtomicBool,
    deny_decommits: AtomicBool,
    /// Microseconds every commit sleeps first (a stalling OS).
    commit_delay_micros: AtomicU64,
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
    /// The populate hints passed on, as (address, length), in order.
    pub populates: Mutex<Vec<(usize, usize)>>,
}

impl TestMapper {
    /// A mapper that reports `name`, allows everything and can `remap`.
    pub const fn new(name: &'static str) -> TestMapper {
        TestMapper {
            name,
            remap: true,
            populate: false,
            deny_commits: AtomicBool::new(false),
            deny_decommits: AtomicBool::new(false),
            commit_delay_micros: AtomicU64::new(0),
            reserves: AtomicUsize::new(0),
            releases: AtomicUsize::new(0),
            reserved: AtomicIsize::new(0),
            commits: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            populates: Mutex::new(Vec::new()),
        }
    }

    /// The same, but `remap` says `Unsupported` (the trait's default).
    pub const fn without_remap(mut self) -> TestMapper {
        self.remap = false;
        self
    }

    /// The same, but populate hints are passed on and recorded in
    /// [`populates`](TestMapper::populates).
    pub const fn with_populate(mut self) -> TestMapper {
        self.populate = true;
        self
    }

    pub fn deny_commits(&self, on: bool) {
        self.deny_commits.store(on, SeqCst);
    }

    pub fn deny_decommits(&self, on: bool) {
        self.deny_decommits.store(on, SeqCst);
    }

    /// Makes every commit take at least `delay` (zero: none), as a stalling
    /// OS would.
    pub fn delay_commits(&self, delay: Duration) {
        self.commit_delay_micros
            .store(delay.as_micros() as u64, SeqCst);
    }
}

// SAFETY: every call is forwarded to the OS mapper (or the heap mapper
// standing in for it), which keeps the contract; a refused commit or
// decommit touches nothing, as a failing `mprotect` or `madvise` would,
// and an unsupported `remap` leaves the old reservation as it was.
unsafe impl Mapper for TestMapper {
    fn page_size(&self) -> usize {
        os_mapper().get().page_size()
    }
    fn name(&self) -> &'static str {
        self.name
    }
    fn reserve(&self, len: usize) -> io::Result<NonNull<u8>> {
        let p = os_mapper().get().reserve(len)?;
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
        let delay = self.commit_delay_micros.load(SeqCst);
        if delay > 0 {
            std::thread::sleep(Duration::from_micros(delay));
        }
        // SAFETY: the caller's promise, passed on.
        unsafe { os_mapper().get().commit(addr, len) }
    }
    unsafe fn decommit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if self.deny_decommits.load(SeqCst) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        // SAFETY: the caller's promise, passed on.
        unsafe { os_mapper().get().decommit(addr, len) }
    }
    unsafe fn release(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        // SAFETY: the caller's promise, passed on.
        unsafe { os_mapper().get().release(addr, len) }?;
        self.releases.fetch_add(1, SeqCst);
        self.reserved.fetch_sub(len as isize, SeqCst);
        Ok(())
    }
    unsafe fn populate(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if !self.populate {
            return Err(io::ErrorKind::Unsupported.into());
        }
        self.populates
            .lock()
            .unwrap()
            .push((addr.as_ptr() as usize, len));
        // SAFETY: the caller's promise, passed on.
        unsafe { os_mapper().get().populate(addr, len) }
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
        let p = unsafe { os_mapper().get().remap(old, old_len, committed, new_len) }?;
        self.reserved
            .fetch_add(new_len as isize - old_len as isize, SeqCst);
        Ok(p)
    }
}
