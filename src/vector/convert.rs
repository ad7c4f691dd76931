//! Conversions: into a `Vec<T>` or a `Box<[T]>` (handing a heap
//! allocation over when its layout is a `Vec`'s, else copying), from
//! arrays, slices, `Vec`, `Box<[T]>` and `Cow` (collected onto
//! [`MAPPER`], panicking on refusal as `FromIterator` does, with `try_`
//! forms that return the error), and `into_flattened`.

use super::MappedVector;
use crate::error::refused;
use crate::error::Error;
use crate::mapper_ref::MapperRef;
use crate::os::MAPPER;
use crate::raw::Shape;
use std::borrow::Cow;
use std::mem::{self, ManuallyDrop};
use std::ptr;

impl<T, const N: usize> MappedVector<T, N> {
    /// A vector on `mapper` holding clones of `items`.
    ///
    /// # Errors
    ///
    /// When memory cannot be had (nothing is cloned then).
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let v: MappedVector<&str> = MappedVector::try_from_slice(MAPPER, &["a", "b"])?;
    /// assert_eq!(v, ["a", "b"]);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    #[track_caller]
    pub fn try_from_slice(mapper: impl Into<MapperRef>, items: &[T]) -> Result<Self, Error>
    where
        T: Clone,
    {
        let mut v = Self::new(mapper);
        v.extend_from_slice(items)?;
        Ok(v)
    }

    /// A vector on `mapper` holding the items of `iter` (an array, a `Vec`,
    /// a `Box<[T]>`, any iterator): `FromIterator` with a mapper of your
    /// choice and an error instead of a panic.
    ///
    /// # Errors
    ///
    /// When memory cannot be had; the items taken so far are dropped.
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let v: MappedVector<u8> = MappedVector::try_from_iter(MAPPER, vec![1, 2, 3])?;
    /// assert_eq!(v, [1, 2, 3]);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    #[track_caller]
    pub fn try_from_iter<I: IntoIterator<Item = T>>(
        mapper: impl Into<MapperRef>,
        iter: I,
    ) -> Result<Self, Error> {
        let mut v = Self::new(mapper);
        v.try_extend(iter)?;
        Ok(v)
    }

    /// The elements as a `Vec<T>`. A vector on the heap hands its
    /// allocation over (it was made by the global allocator with the
    /// layout of a `Vec<T>` of the same capacity); any other is copied into
    /// a new `Vec`, and its memory given back.
    ///
    /// # Errors
    ///
    /// When the global allocator refuses the copy: the vector comes back
    /// unchanged, with the error.
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let v: MappedVector<u64> = (0..100_000).collect(); // mapped
    /// let w: Vec<u64> = v.try_into_vec().map_err(|(_, e)| e)?;
    /// assert_eq!(w.len(), 100_000);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    // `uninit_vec`: see the zero-sized case.
    #[allow(clippy::result_large_err, clippy::uninit_vec)]
    pub fn try_into_vec(mut self) -> Result<Vec<T>, (Self, Error)> {
        let len = self.len;
        if mem::size_of::<T>() == 0 {
            self.len = 0;
            // (No element is uninitialized: zero-sized elements have no
            // bytes, and ours move over by the length alone.)
            let mut out = Vec::new();
            // SAFETY: zero-sized elements need no memory (an empty `Vec` of
            // them has capacity `usize::MAX`); the `len` of them are owned
            // by the `Vec` from here on (ours counts none).
            unsafe { out.set_len(len) };
            return Ok(out);
        }
        if let Some((ptr, cap)) = self.raw.take_heap(Self::SHAPE) {
            self.len = 0;
            // SAFETY: `take_heap` handed over an allocation of the global
            // allocator with the layout of `cap` elements of `T` (size
            // `cap * size_of::<T>()`, align `align_of::<T>()`), exactly a
            // `Vec<T>`'s of capacity `cap`; its first `len <= cap` elements
            // are initialized and now the `Vec`'s alone.
            return Ok(unsafe { Vec::from_raw_parts(ptr.cast::<T>().as_ptr(), len, cap) });
        }
        let mut out = Vec::new();
        if out.try_reserve_exact(len).is_err() {
            let bytes = len.saturating_mul(mem::size_of::<T>());
            return Err((self, Error::Alloc { bytes }));
        }
        // SAFETY: `out` has room for `len` elements and shares no memory
        // with us; after the copy the elements are `out`'s alone, so ours
        // counts none and drops none.
        unsafe {
            ptr::copy_nonoverlapping(self.as_ptr(), out.as_mut_ptr(), len);
            self.len = 0;
            out.set_len(len);
        }
        Ok(out)
    }

    /// The elements as a boxed slice, as `Vec::into_boxed_slice`: a vector
    /// on the heap hands its allocation over (shrunk to fit first), any
    /// other is copied.
    ///
    /// # Errors
    ///
    /// When memory for the shrink or the copy is refused: the vector comes
    /// back, with the error.
    #[allow(clippy::result_large_err)]
    pub fn try_into_boxed_slice(mut self) -> Result<Box<[T]>, (Self, Error)> {
        if self.storage() == crate::Storage::Heap {
            if let Err(e) = self.shrink_to_fit() {
                return Err((self, e));
            }
        }
        // On the heap (shrunk: capacity is len) `into_boxed_slice` reuses
        // the allocation; a copy was made with capacity len.
        self.try_into_vec().map(Vec::into_boxed_slice)
    }

    /// [`try_into_boxed_slice`](Self::try_into_boxed_slice), panicking if
    /// memory cannot be had (as `Vec` aborts).
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let v: MappedVector<i32> = [1, 2, 3].into();
    /// let b: Box<[i32]> = v.into_boxed_slice();
    /// assert_eq!(&*b, [1, 2, 3]);
    /// ```
    pub fn into_boxed_slice(self) -> Box<[T]> {
        match self.try_into_boxed_slice() {
            Ok(b) => b,
            Err((_, e)) => refused(
                "MappedVector::into_boxed_slice",
                Some("MappedVector::try_into_boxed_slice"),
                &e,
            ),
        }
    }
}

impl<T, const N: usize, const K: usize> MappedVector<[T; K], N> {
    /// Takes a vector of `K`-arrays into a vector of their elements, in
    /// order, with no copy (as `Vec::into_flattened`).
    ///
    /// # Panics
    ///
    /// If the length in elements overflows `usize` (only possible for
    /// zero-sized `T`), as `Vec::into_flattened`.
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let v: MappedVector<[u8; 3]> = [[1, 2, 3], [4, 5, 6]].into();
    /// assert_eq!(v.into_flattened(), [1, 2, 3, 4, 5, 6]);
    /// ```
    pub fn into_flattened(self) -> MappedVector<T, N> {
        let len = if mem::size_of::<T>() == 0 {
            self.len.checked_mul(K).expect("vec len overflow")
        } else {
            // The bytes are the same, and fit `isize::MAX`.
            self.len * K
        };
        let (mut raw, _) = self.into_raw_parts();
        raw.reshape(Shape::of::<[T; K]>(N), Shape::of::<T>(N));
        let mut out = MappedVector::on(raw);
        out.len = len;
        out
    }
}

/// Hands a heap allocation over, or copies (see
/// [`MappedVector::try_into_vec`]). Panics if the global allocator refuses
/// the copy, as `Vec` aborts.
impl<T, const N: usize> From<MappedVector<T, N>> for Vec<T> {
    fn from(v: MappedVector<T, N>) -> Vec<T> {
        match v.try_into_vec() {
            Ok(v) => v,
            Err((_, e)) => refused(
                "Vec::from(MappedVector)",
                Some("MappedVector::try_into_vec"),
                &e,
            ),
        }
    }
}

/// See [`MappedVector::into_boxed_slice`]; panics if memory cannot be had.
impl<T, const N: usize> From<MappedVector<T, N>> for Box<[T]> {
    fn from(v: MappedVector<T, N>) -> Box<[T]> {
        v.into_boxed_slice()
    }
}

/// Collects onto [`MAPPER`]; panics if memory cannot be had, as
/// `FromIterator` does ([`MappedVector::try_from_iter`] returns the error).
impl<T, const N: usize, const K: usize> From<[T; K]> for MappedVector<T, N> {
    fn from(items: [T; K]) -> Self {
        items.into_iter().collect()
    }
}

/// Collects onto [`MAPPER`]; panics if memory cannot be had
/// ([`MappedVector::try_from_iter`] returns the error).
impl<T, const N: usize> From<Vec<T>> for MappedVector<T, N> {
    fn from(items: Vec<T>) -> Self {
        from_slice_moved(ManuallyDrop::new(items))
    }
}

/// Collects onto [`MAPPER`]; panics if memory cannot be had
/// ([`MappedVector::try_from_iter`] returns the error).
impl<T, const N: usize> From<Box<[T]>> for MappedVector<T, N> {
    fn from(items: Box<[T]>) -> Self {
        items.into_vec().into()
    }
}

/// Clones onto [`MAPPER`]; panics if memory cannot be had
/// ([`MappedVector::try_from_slice`] returns the error).
impl<T: Clone, const N: usize> From<&[T]> for MappedVector<T, N> {
    fn from(items: &[T]) -> Self {
        match MappedVector::try_from_slice(MAPPER, items) {
            Ok(v) => v,
            Err(e) => refused(
                "MappedVector::from",
                Some("MappedVector::try_from_slice"),
                &e,
            ),
        }
    }
}

/// Clones onto [`MAPPER`]; panics if memory cannot be had.
impl<T: Clone, const N: usize> From<&mut [T]> for MappedVector<T, N> {
    fn from(items: &mut [T]) -> Self {
        Self::from(&*items)
    }
}

/// Clones onto [`MAPPER`]; panics if memory cannot be had.
impl<T: Clone, const N: usize, const K: usize> From<&[T; K]> for MappedVector<T, N> {
    fn from(items: &[T; K]) -> Self {
        Self::from(&items[..])
    }
}

/// Clones onto [`MAPPER`]; panics if memory cannot be had.
impl<T: Clone, const N: usize, const K: usize> From<&mut [T; K]> for MappedVector<T, N> {
    fn from(items: &mut [T; K]) -> Self {
        Self::from(&items[..])
    }
}

/// Onto [`MAPPER`]: moves an owned `Cow`'s elements, clones a borrowed
/// one's; panics if memory cannot be had.
impl<T: Clone, const N: usize> From<Cow<'_, [T]>> for MappedVector<T, N> {
    fn from(items: Cow<'_, [T]>) -> Self {
        match items {
            Cow::Borrowed(slice) => Self::from(slice),
            Cow::Owned(vec) => Self::from(vec),
        }
    }
}

/// A vector on [`MAPPER`] holding `items`' elements, moved with one copy;
/// `items`' allocation is freed after. Panics if memory cannot be had
/// (then `items`' elements are dropped with it).
fn from_slice_moved<T, const N: usize>(mut items: ManuallyDrop<Vec<T>>) -> MappedVector<T, N> {
    let len = items.len();
    let mut v = MappedVector::new(MAPPER);
    if let Err(e) = v.reserve_for_write(len) {
        // SAFETY: `items` is not used again.
        drop(unsafe { ManuallyDrop::take(&mut items) });
        refused(
            "MappedVector::from",
            Some("MappedVector::try_from_iter"),
            &e,
        );
    }
    // SAFETY: reserved: `len` free slots, sharing no memory with `items`;
    // after the copy the elements are `v`'s, and `items` (length 0) frees
    // only its allocation.
    unsafe {
        ptr::copy_nonoverlapping(items.as_ptr(), v.as_mut_ptr(), len);
        items.set_len(0);
        v.set_len(len);
        ManuallyDrop::drop(&mut items);
    }
    v
}
