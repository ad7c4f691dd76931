//! Targets without virtual-memory mappings (wasm, unknown systems), and
//! any target built with `--cfg mapped_no_mmap`: every call says
//! [`io::ErrorKind::Unsupported`], and containers on
//! [`MAPPER`](crate::MAPPER) never ask: they keep their contents on the
//! heap and grow there as a `Vec` does ([`HAS_MAPPINGS`]).

pub(super) use super::unsupported::{advise_huge_pages, grow_in_place, populate, remap};
use std::io;
use std::ptr::NonNull;

/// Whether the OS maps memory: not here (nor remaps, nor populates).
pub(super) const HAS_MAPPINGS: bool = false;
pub(super) const REMAPS: bool = false;
pub(super) const POPULATES: bool = false;

/// The errors the crate's own failures stand for (what a failpoint
/// returns): the POSIX numbers, as a target without an OS has none.
pub(crate) const OUT_OF_MEMORY: i32 = 12;
pub(crate) const INVALID_ARGUMENT: i32 = 22;
#[cfg(feature = "file")]
pub(crate) const NO_SPACE: i32 = 28;
#[cfg(feature = "file")]
pub(crate) const IO_ERROR: i32 = 5;

pub(super) fn is_out_of_memory(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::OutOfMemory
}

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

/// No mappings, so no limit on them.
pub(super) fn mapping_limit() -> Option<usize> {
    None
}
