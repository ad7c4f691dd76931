//! `IntoIter`: a `MappedVector` consumed element by element.

use super::store::{heap, Store};
use super::MappedVector;
use std::fmt;
use std::iter::FusedIterator;
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

/// The owning iterator of a [`MappedVector`]. Its memory goes back to the
/// OS when the iterator is dropped.
pub struct IntoIter<T> {
    ptr: NonNull<T>,
    /// The heap allocation's capacity; 0 when mapped (or empty).
    heap_capacity: usize,
    /// The vector's store: its mapping, released when the iterator drops.
    store: Store,
    /// Elements `[next, end)` are still owned by the iterator.
    next: usize,
    end: usize,
    _elements: PhantomData<T>,
}

// SAFETY: the iterator owns the remaining elements and the storage
// outright, as the vector did.
unsafe impl<T: Send> Send for IntoIter<T> {}
// SAFETY: `&IntoIter` gives only `&T` (`as_slice`).
unsafe impl<T: Sync> Sync for IntoIter<T> {}

impl<T> IntoIter<T> {
    fn base(&self) -> *mut T {
        self.ptr.as_ptr()
    }

    /// The elements not yet yielded.
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: `[next, end)` are initialized and owned by the iterator.
        unsafe { std::slice::from_raw_parts(self.base().add(self.next), self.end - self.next) }
    }
}

impl<T, const N: usize> IntoIterator for MappedVector<T, N> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        let (ptr, heap_capacity, store, len) = self.into_raw_parts();
        IntoIter {
            ptr,
            heap_capacity,
            store,
            next: 0,
            end: len,
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
        /// Frees the heap allocation even if an element's drop panics.
        struct FreeHeap<'a, T>(&'a mut IntoIter<T>);
        impl<T> Drop for FreeHeap<'_, T> {
            fn drop(&mut self) {
                let it = &mut *self.0;
                // SAFETY: `ptr` is the vector's heap allocation of
                // `heap_capacity` elements (nothing when 0); every element
                // is gone.
                unsafe { heap::free(it.ptr, it.heap_capacity, it.store.container()) };
            }
        }
        let _free = FreeHeap(self);
        // SAFETY: the remaining elements are initialized and dropped once;
        // the storage is freed after (by the guard, or the store's drop).
        unsafe { ptr::drop_in_place(remaining) };
    }
}

impl<T: fmt::Debug> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IntoIter").field(&self.as_slice()).finish()
    }
}
