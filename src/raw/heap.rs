//! Heap storage through the global allocator: the one place that
//! allocates, resizes and frees a container's heap allocation, with a
//! refusal as an [`Error`] (never an abort), and each change reported to
//! telemetry's heap bytes.

use crate::error::Error;
use crate::failpoints;
use crate::telemetry::{self, Kind};
use std::alloc::{self, Layout};
use std::ptr::NonNull;

/// Resizes the allocation at `ptr` of `old` bytes to `new` (nonzero; `old`
/// 0 allocates afresh), both aligned to `align`. The contents up to the
/// smaller size are kept.
///
/// # Safety
///
/// `ptr` was allocated by this module with `old` bytes and `align` (or
/// `old` is 0).
pub(super) unsafe fn resize(
    ptr: NonNull<u8>,
    old: usize,
    new: usize,
    align: usize,
    kind: Kind,
) -> Result<NonNull<u8>, Error> {
    debug_assert!(new > 0 && align.is_power_of_two());
    // `Layout::from_size_align`'s size test alone: `align` is an element
    // type's, always a power of two.
    if new > isize::MAX as usize - (align - 1) {
        return Err(Error::CapacityOverflow);
    }
    // SAFETY: `align` is a power of two and `new`, rounded up to it, does
    // not pass `isize::MAX` (checked above).
    let layout = unsafe { Layout::from_size_align_unchecked(new, align) };
    if failpoints::ALLOC.fires() {
        #[cfg(feature = "failpoints")]
        telemetry::injected(failpoints::ALLOC.op());
        return Err(Error::Alloc { bytes: new });
    }
    let raw = if old == 0 {
        // SAFETY: `layout` has a nonzero size.
        unsafe { alloc::alloc(layout) }
    } else {
        // SAFETY: the caller promises `ptr` came from an allocation of this
        // layout, which was valid then; `new` is nonzero and valid with
        // `align` (checked above).
        unsafe {
            let old_layout = Layout::from_size_align_unchecked(old, align);
            alloc::realloc(ptr.as_ptr(), old_layout, new)
        }
    };
    let ptr = NonNull::new(raw).ok_or(Error::Alloc { bytes: new })?;
    telemetry::heap_resized(kind, old, new);
    Ok(ptr)
}

/// Frees the allocation of `bytes` at `ptr` (nothing if 0).
///
/// # Safety
///
/// `ptr` was allocated by this module with `bytes` and `align`, and is not
/// used again.
#[inline]
pub(super) unsafe fn free(ptr: NonNull<u8>, bytes: usize, align: usize, kind: Kind) {
    if bytes == 0 {
        return;
    }
    // SAFETY: as the caller promises; the layout was valid when the
    // allocation was made.
    unsafe {
        alloc::dealloc(
            ptr.as_ptr(),
            Layout::from_size_align_unchecked(bytes, align),
        )
    };
    telemetry::heap_resized(kind, bytes, 0);
}
