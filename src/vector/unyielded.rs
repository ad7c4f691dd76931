//! [`Unyielded`]: the elements a draining or owning iterator still owns,
//! the bookkeeping `Drain` and `IntoIter` share, and
//! [`yields_unyielded!`], the iterator traits they implement on it alike.

use std::ops::Range;
use std::ptr;

/// Elements `[next, end)` of a buffer that an iterator owns and has not
/// yielded: each is read out once, from the front or the back, or dropped
/// in place by [`take_rest`](Self::take_rest).
#[derive(Clone, Copy, Debug)]
pub(super) struct Unyielded {
    next: usize,
    end: usize,
}

impl Unyielded {
    pub(super) fn new(range: Range<usize>) -> Self {
        Unyielded {
            next: range.start,
            end: range.end,
        }
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.end - self.next
    }

    /// Where the unyielded elements start, in `base`.
    #[inline]
    pub(super) fn start(&self) -> usize {
        self.next
    }

    /// Reads out the first unyielded element of `base`.
    ///
    /// # Safety
    /// `[next, end)` of `base` are initialized and owned by the caller.
    #[inline]
    pub(super) unsafe fn front<T>(&mut self, base: *const T) -> Option<T> {
        if self.next == self.end {
            return None;
        }
        self.next += 1;
        // SAFETY: the old `next < end`: initialized (caller), read once, then
        // outside the range.
        Some(unsafe { base.add(self.next - 1).read() })
    }

    /// Reads out the last unyielded element of `base`.
    ///
    /// # Safety
    /// As for [`front`](Self::front).
    #[inline]
    pub(super) unsafe fn back<T>(&mut self, base: *const T) -> Option<T> {
        if self.next == self.end {
            return None;
        }
        self.end -= 1;
        // SAFETY: the old `end - 1 >= next`: initialized (caller), read
        // once, then outside the range.
        Some(unsafe { base.add(self.end).read() })
    }

    /// The unyielded elements of `base`, which the range no longer counts:
    /// the caller drops them in place, once.
    pub(super) fn take_rest<T>(&mut self, base: *mut T) -> *mut [T] {
        let rest = ptr::slice_from_raw_parts_mut(base.wrapping_add(self.next), self.len());
        self.next = self.end;
        rest
    }
}

/// Implements `Iterator`, `DoubleEndedIterator`, `ExactSizeIterator` and
/// `FusedIterator` for an iterator whose field `left` is an [`Unyielded`]
/// range of the elements at `self.base()`, which it owns.
macro_rules! yields_unyielded {
    (impl[$($generics:tt)*] for $iter:ty) => {
        impl<$($generics)*> Iterator for $iter {
            type Item = T;

            #[inline]
            fn next(&mut self) -> Option<T> {
                // SAFETY: the unyielded elements are initialized and owned
                // by the iterator.
                unsafe { self.left.front(self.base()) }
            }

            #[inline]
            fn size_hint(&self) -> (usize, Option<usize>) {
                (self.left.len(), Some(self.left.len()))
            }
        }

        impl<$($generics)*> DoubleEndedIterator for $iter {
            #[inline]
            fn next_back(&mut self) -> Option<T> {
                // SAFETY: as in `next`.
                unsafe { self.left.back(self.base()) }
            }
        }

        impl<$($generics)*> ExactSizeIterator for $iter {}
        impl<$($generics)*> std::iter::FusedIterator for $iter {}
    };
}
pub(super) use yields_unyielded;
