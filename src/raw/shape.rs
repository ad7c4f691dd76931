//! [`Shape`]: all the storage layer knows of a container's elements.

use crate::error::Error;
use crate::policy;
use std::mem;
use std::ptr::{self, NonNull};

/// The elements' size and alignment and the `N` pages a container keeps:
/// passed in at run time, so that the storage code is compiled once, not
/// once per element type (as std's `RawVecInner` takes a `Layout`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    /// `size_of::<T>()`: 0 for zero-sized elements, which take no memory.
    pub(crate) size: usize,
    /// `align_of::<T>()`.
    pub(crate) align: usize,
    /// `N`: the pages a mapped container never shrinks below.
    pub(crate) pages: usize,
}

impl Shape {
    /// The shape of `MappedVector<T, N>`'s storage, with `pages = N`.
    pub(crate) const fn of<T>(pages: usize) -> Shape {
        Shape {
            size: mem::size_of::<T>(),
            align: mem::align_of::<T>(),
            pages,
        }
    }

    #[inline]
    pub(crate) const fn is_zst(self) -> bool {
        self.size == 0
    }

    /// The pointer of no storage: non-null and aligned for the elements,
    /// with no provenance (nothing may be read through it but zero-sized
    /// elements).
    #[inline]
    pub(crate) fn dangling(self) -> NonNull<u8> {
        // SAFETY: `align` is a power of two, so never zero.
        unsafe { NonNull::new_unchecked(ptr::null_mut::<u8>().wrapping_add(self.align)) }
    }

    /// The bytes of `len + additional` elements.
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] past `usize` elements or `isize::MAX`
    /// bytes.
    #[inline]
    pub(crate) fn bytes_for(self, len: usize, additional: usize) -> Result<usize, Error> {
        len.checked_add(additional)
            .and_then(|n| policy::bytes_for(n, self.size))
            .ok_or(Error::CapacityOverflow)
    }

    /// Refuses elements aligned beyond the page size: no page boundary is
    /// guaranteed to be aligned for them.
    pub(crate) fn check_alignment(self, page_size: usize) -> Result<(), Error> {
        if self.align > page_size {
            return Err(Error::Alignment {
                align: self.align,
                page_size,
            });
        }
        Ok(())
    }
}
