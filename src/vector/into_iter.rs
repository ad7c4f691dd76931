//! `IntoIter`: a `MappedVector` consumed element by element.

use super::MappedVector;
use crate::error::refused;
use crate::raw::{RawStore, Shape};
use std::fmt;
use std::iter::FusedIterator;
use std::marker::PhantomData;
use std::panic::Location;
use std::ptr;

/// The owning iterator of a [`MappedVector`]. Its memory is given back
/// when the iterator is dropped, as the vector's would have been.
pub struct IntoIter<T> {
    /// The vector's storage, freed by its own drop after the elements.
    raw: RawStore,
    /// Elements `[next, end)` are still owned by the iterator.
    next: usize,
    end: usize,
    /// The vector's `Shape` (its `N` included), for a clone's storage.
    shape: Shape,
    _elements: PhantomData<T>,
}

// SAFETY: the iterator owns the remaining elements and the storage
// outright, as the vector did.
unsafe impl<T: Send> Send for IntoIter<T> {}
// SAFETY: `&IntoIter` gives only `&T` (`as_slice`).
unsafe impl<T: Sync> Sync for IntoIter<T> {}

impl<T> IntoIter<T> {
    fn base(&self) -> *mut T {
        self.raw.ptr().cast::<T>().as_ptr()
    }

    /// The elements not yet yielded.
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: `[next, end)` are initialized and owned by the iterator.
        unsafe { std::slice::from_raw_parts(self.base().add(self.next), self.end - self.next) }
    }

    /// The elements not yet yielded, mutably.
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let v: MappedVector<char> = ['a', 'b', 'c'].into();
    /// let mut it = v.into_iter();
    /// it.next();
    /// it.as_mut_slice()[1] = 'z';
    /// assert_eq!(it.collect::<String>(), "bz");
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: as `as_slice`; `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.base().add(self.next), self.end - self.next) }
    }

    /// Fallible `Clone`: the elements not yet yielded, cloned into storage
    /// with the same mapper and options.
    #[track_caller]
    pub fn try_clone(&self) -> Result<Self, crate::Error>
    where
        T: Clone,
    {
        let raw = self.raw.empty_like(self.shape, Location::caller())?;
        let mut copy: IntoIter<T> = IntoIter {
            raw,
            next: 0,
            end: 0,
            shape: self.shape,
            _elements: PhantomData,
        };
        let len = self.end - self.next;
        if len > copy.raw.capacity(self.shape) {
            copy.raw
                .grow_exact(self.shape, 0, len, Location::caller())?;
        }
        for item in self.as_slice() {
            let value = item.clone();
            // SAFETY: room for `len` was made above; slot `end` is free,
            // and counting it right after keeps a panicking `clone` from
            // leaking or double-dropping (the copy drops `[0, end)`).
            unsafe { copy.base().add(copy.end).write(value) };
            copy.end += 1;
        }
        Ok(copy)
    }
}

/// Like `Vec`'s, this panics if memory cannot be had; use
/// [`IntoIter::try_clone`] to get an error instead.
impl<T: Clone> Clone for IntoIter<T> {
    fn clone(&self) -> Self {
        match self.try_clone() {
            Ok(it) => it,
            Err(e) => refused("IntoIter::clone", Some("IntoIter::try_clone"), &e),
        }
    }
}

impl<T, const N: usize> IntoIterator for MappedVector<T, N> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        let (raw, len) = self.into_raw_parts();
        IntoIter {
            raw,
            next: 0,
            end: len,
            shape: Self::SHAPE,
            _elements: PhantomData,
        }
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        if self.next == self.end {
            return None;
        }
        // SAFETY: `next < end`: initialized, read once, then skipped.
        let value = unsafe { self.base().add(self.next).read() };
        self.next += 1;
        Some(value)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.next;
        (n, Some(n))
    }
}

impl<T> DoubleEndedIterator for IntoIter<T> {
    #[inline]
    fn next_back(&mut self) -> Option<T> {
        if self.next == self.end {
            return None;
        }
        self.end -= 1;
        // SAFETY: the old `end - 1` is initialized and read once.
        Some(unsafe { self.base().add(self.end).read() })
    }
}

impl<T> ExactSizeIterator for IntoIter<T> {}
impl<T> FusedIterator for IntoIter<T> {}

impl<T> Drop for IntoIter<T> {
    fn drop(&mut self) {
        let remaining = ptr::slice_from_raw_parts_mut(
            // SAFETY: `next <= end`, inside the elements.
            unsafe { self.base().add(self.next) },
            self.end - self.next,
        );
        self.next = self.end;
        // SAFETY: the remaining elements are initialized and dropped once;
        // the storage is freed after, by the store's own drop, even if one
        // of them panics.
        unsafe { ptr::drop_in_place(remaining) };
    }
}

impl<T: fmt::Debug> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IntoIter").field(&self.as_slice()).finish()
    }
}
