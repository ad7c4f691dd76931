//! The calls a platform does not have, said as such: each answers
//! [`io::ErrorKind::Unsupported`], and the layer above takes its other
//! path (a container copies instead of remapping; pages fault in instead
//! of being populated). Shared by every platform file that lacks them.

use std::io;
use std::ptr::NonNull;

fn unsupported<T>() -> io::Result<T> {
    Err(io::ErrorKind::Unsupported.into())
}

/// No populate hint: pages fault in when first written.
///
/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn populate(_addr: NonNull<u8>, _len: usize) -> io::Result<()> {
    unsupported()
}

/// No huge-page advice.
///
/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn advise_huge_pages(_addr: NonNull<u8>, _len: usize) -> io::Result<()> {
    unsupported()
}

/// No remap: the container reserves, commits, copies and releases.
///
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

/// No growth in place: the container copies into a fresh mapping.
///
/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn grow_in_place(
    _addr: NonNull<u8>,
    _old_len: usize,
    _new_len: usize,
) -> io::Result<()> {
    unsupported()
}
