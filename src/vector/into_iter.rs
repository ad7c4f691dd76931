//! `IntoIter`: a `MappedVector` consumed element by element.

use super::unyielded::{yields_unyielded, Unyielded};
use super::MappedVector;
use crate::error::refused;
use crate::raw::{Growth, RawStore, Shape};
use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::ptr;

/// The owning iterator of a [`MappedVector`]. Its memory is given back
/// when the iterator is dropped, as the vector's would have been.
pub struct IntoIter<T> {
    /// The vector's storage, freed by its own drop after the elements.
    raw: RawStore,
    /// The elements still owned by the iterator.
    left: Unyielded,
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
        // SAFETY: the unyielded elements are initialized and owned here.
        unsafe { std::slice::from_raw_parts(self.base().add(self.left.start()), self.left.len()) }
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
        unsafe {
            std::slice::from_raw_parts_mut(self.base().add(self.left.start()), self.left.len())
        }
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
            left: Unyielded::new(0..0),
            shape: self.shape,
            _elements: PhantomData,
        };
        let len = self.left.len();
        if len > copy.raw.capacity(self.shape) {
            copy.raw
                .grow(self.shape, 0, len, Growth::Exact, Location::caller())?;
        }
        for (i, item) in self.as_slice().iter().enumerate() {
            let value = item.clone();
            // SAFETY: room for `len` was made above; slot `i` is free, and
            // counting it right after keeps a panicking `clone` from leaking
            // or double-dropping (the copy owns and drops `[0, i)`).
            unsafe { copy.base().add(i).write(value) };
            copy.left = Unyielded::new(0..i + 1);
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
            left: Unyielded::new(0..len),
            shape: Self::SHAPE,
            _elements: PhantomData,
        }
    }
}

yields_unyielded!(impl[T] for IntoIter<T>);

impl<T> Drop for IntoIter<T> {
    fn drop(&mut self) {
        let remaining = self.left.take_rest(self.base());
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
