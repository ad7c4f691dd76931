//! Platforms without `mmap`: everything compiles, and every call says
//! [`io::ErrorKind::Unsupported`], so a container there fails cleanly
//! with an error the first time it would need a mapping (a container kept
//! under its heap limit still works).

use std::io;
use std::ptr::NonNull;

fn unsupported<T>() -> io::Result<T> {
    Err(io::ErrorKind::Unsupported.into())
}

/// A common page size; nothing is ever committed in pages of it here.
pub(super) fn page_size() -> usize {
    4096
}

pub(super) fn reserve(_len: usize) -> io::Result<NonNull<u8>> {
    unsupported()
}

/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn commit(_addr: NonNull<u8>, _len: usize) -> io::Result<()> {
    unsupported()
}

/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn decommit(_addr: NonNull<u8>, _len: usize) -> io::Result<()> {
    unsupported()
}

/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn release(_addr: NonNull<u8>, _len: usize) -> io::Result<()> {
    unsupported()
}

/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn populate(_addr: NonNull<u8>, _len: usize) -> io::Result<()> {
    unsupported()
}

/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn advise_huge_pages(_addr: NonNull<u8>, _len: usize) -> io::Result<()> {
    unsupported()
}

/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn remap(
    _old: NonNull<u8>,
    _old_len: usize,
    _committed: usize,
    _new_len: usize,
) -> io::Result<NonNull<u8>> {
    unsupported()
}

/// The address of a thread-local byte: unique among live threads. (A
/// constant without a destructor, so readable in any destructor too.)
pub(super) fn thread_id() -> usize {
    thread_local! {
        static ID: u8 = const { 0 };
    }
    ID.with(|id| id as *const u8 as usize)
}

pub(super) fn map_rw(_len: usize) -> io::Result<NonNull<u8>> {
    unsupported()
}

/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn populate_rw(_addr: NonNull<u8>, _len: usize) -> io::Result<bool> {
    unsupported()
}

pub(super) fn populates_rw() -> bool {
    false
}

/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn discard(_addr: NonNull<u8>, _len: usize) -> io::Result<()> {
    unsupported()
}

/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn grow_in_place(
    _old: NonNull<u8>,
    _old_len: usize,
    _new_len: usize,
) -> io::Result<()> {
    unsupported()
}

/// Linux's default; nothing here holds kernel mappings.
pub(super) fn max_map_count() -> usize {
    65530
}
