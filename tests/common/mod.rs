//! Helpers shared by the integration tests: small mappers that fail on
//! demand. (Each test binary compiles this module; not all use every item.)
#![allow(dead_code)]

pub mod metrics;

use mapped::{Mapper, MAPPER};
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Forwards to the OS mapper; refuses commits while `deny_commits` is set
/// and decommits while `deny_decommits` is set, as the OS would.
#[derive(Default)]
pub struct Refusing {
    pub deny_commits: AtomicBool,
    pub deny_decommits: AtomicBool,
    pub commits: AtomicUsize,
}

impl Refusing {
    pub fn deny_commits(&self, on: bool) {
        self.deny_commits.store(on, Ordering::SeqCst);
    }
    pub fn deny_decommits(&self, on: bool) {
        self.deny_decommits.store(on, Ordering::SeqCst);
    }
}

// SAFETY: forwards every call to the OS mapper, which keeps the contract; a
// refusal touches nothing.
unsafe impl Mapper for Refusing {
    fn page_size(&self) -> usize {
        MAPPER.page_size()
    }
    fn name(&self) -> &'static str {
        "refusing"
    }
    fn reserve(&self, len: usize) -> io::Result<NonNull<u8>> {
        MAPPER.reserve(len)
    }
    unsafe fn commit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if self.deny_commits.load(Ordering::SeqCst) {
            return Err(io::ErrorKind::OutOfMemory.into());
        }
        self.commits.fetch_add(1, Ordering::SeqCst);
        // SAFETY: the caller's contract is the OS mapper's.
        unsafe { MAPPER.commit(addr, len) }
    }
    unsafe fn decommit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if self.deny_decommits.load(Ordering::SeqCst) {
            return Err(io::Error::from_raw_os_error(libc_eagain()));
        }
        // SAFETY: as for commit.
        unsafe { MAPPER.decommit(addr, len) }
    }
    unsafe fn release(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        // SAFETY: as for commit.
        unsafe { MAPPER.release(addr, len) }
    }
    unsafe fn remap(
        &self,
        old: NonNull<u8>,
        old_len: usize,
        committed: usize,
        new_len: usize,
    ) -> io::Result<NonNull<u8>> {
        // SAFETY: as for commit.
        unsafe { MAPPER.remap(old, old_len, committed, new_len) }
    }
}

fn libc_eagain() -> i32 {
    11
}
