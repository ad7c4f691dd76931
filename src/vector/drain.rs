//! `Drain`: the iterator `MappedVector::drain` returns.

use super::unyielded::{yields_unyielded, Unyielded};
use super::MappedVector;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

/// Removes a range of a [`MappedVector`], yielding its elements by value.
///
/// While it lives the vector counts only the elements before the range; when
/// it is dropped, elements not yet yielded are dropped, the tail moves down
/// to close the gap, and the vector gives memory back if it has become
/// sparse.
///
/// Covariant in `T`, as std's `Drain` is: it holds a pointer to the vector,
/// not a `&mut`.
///
/// ```
/// use mapped::Drain;
///
/// fn shorter<'new>(d: Drain<'static, &'static str, 1>) -> Drain<'new, &'new str, 1> {
///     d
/// }
/// ```
pub struct Drain<'a, T, const N: usize> {
    /// The vector, borrowed mutably for `'a` (see `_borrow`).
    pub(super) vec: NonNull<MappedVector<T, N>>,
    /// The drained elements not yet yielded.
    left: Unyielded,
    /// Where the kept tail starts, and how long it is.
    pub(super) tail_start: usize,
    pub(super) tail_len: usize,
    /// The `&'a mut` borrow `vec` stands for, held covariantly, as std's
    /// `Drain` holds its `NonNull<Vec<T>>`.
    _borrow: PhantomData<&'a MappedVector<T, N>>,
}

// SAFETY: the drain stands for a `&mut MappedVector` (unique access to the
// vector and its elements), which is `Send` when `T` is.
unsafe impl<T: Send, const N: usize> Send for Drain<'_, T, N> {}
// SAFETY: `&Drain` gives only `&T` (`as_slice`) and reads of plain fields.
unsafe impl<T: Sync, const N: usize> Sync for Drain<'_, T, N> {}

impl<'a, T, const N: usize> Drain<'a, T, N> {
    pub(super) fn new(vec: &'a mut MappedVector<T, N>, start: usize, end: usize) -> Self {
        let tail_len = vec.len - end;
        // Leak-safe: if the Drain is forgotten, the vector keeps the prefix
        // and the rest leaks, but nothing is dropped twice.
        vec.len = start;
        Drain {
            vec: NonNull::from(vec),
            left: Unyielded::new(start..end),
            tail_start: end,
            tail_len,
            _borrow: PhantomData,
        }
    }

    /// The vector drained.
    #[inline]
    pub(super) fn vec(&self) -> &MappedVector<T, N> {
        // SAFETY: `vec` came from a `&'a mut` that the drain holds for `'a`:
        // valid, and used by nothing else while the drain lives.
        unsafe { self.vec.as_ref() }
    }

    /// The vector drained, mutably.
    #[inline]
    pub(super) fn vec_mut(&mut self) -> &mut MappedVector<T, N> {
        // SAFETY: as in `vec`; `&mut self` makes this access unique.
        unsafe { self.vec.as_mut() }
    }

    /// The base of the vector's elements.
    #[inline]
    fn base(&self) -> *mut T {
        self.vec().as_ptr().cast_mut()
    }

    /// The elements not yet yielded.
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: the unyielded elements are initialized and owned by the drain.
        unsafe { std::slice::from_raw_parts(self.base().add(self.left.start()), self.left.len()) }
    }
}

yields_unyielded!(impl[T, const N: usize] for Drain<'_, T, N>);

impl<T, const N: usize> Drop for Drain<'_, T, N> {
    fn drop(&mut self) {
        /// Closes the gap even if dropping a remaining element panics.
        struct CloseGap<'r, 'a, T, const N: usize>(&'r mut Drain<'a, T, N>);

        impl<T, const N: usize> Drop for CloseGap<'_, '_, T, N> {
            fn drop(&mut self) {
                let (tail_start, tail_len) = (self.0.tail_start, self.0.tail_len);
                let vec = self.0.vec_mut();
                let start = vec.len;
                if tail_len > 0 && tail_start != start {
                    // SAFETY: `[tail_start, tail_start + tail_len)` are
                    // initialized and move down into the freed gap.
                    unsafe {
                        let base = vec.as_mut_ptr();
                        ptr::copy(base.add(tail_start), base.add(start), tail_len);
                    }
                }
                vec.len = start + tail_len;
                vec.shrink_if_sparse();
            }
        }

        let remaining = self.left.take_rest(self.base());
        let _guard = CloseGap(self);
        // SAFETY: the elements not yielded are initialized and owned here;
        // the range no longer counts them, so none is dropped again.
        unsafe { ptr::drop_in_place(remaining) };
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for Drain<'_, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Drain").field(&self.as_slice()).finish()
    }
}
