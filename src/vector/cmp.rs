//! `PartialEq` between a `MappedVector` and the sequences `Vec` compares
//! with, in both directions: other vectors, `Vec`, slices, arrays and
//! references to them, as std's `Vec` has.
//!
//! ```
//! use mapped::{MappedVector, MAPPER};
//!
//! let v: MappedVector<i32> = [1, 2].into();
//! let (a, s): ([i32; 2], &[i32]) = ([1, 2], &[1, 2]);
//! assert!(v == a && a == v && v == &a && &a == v);
//! assert!(v == s && s == v && v == *s && *s == v);
//! assert!(v == vec![1, 2] && vec![1, 2] == v);
//! ```

use super::MappedVector;

impl<T, U, const N: usize, const M: usize> PartialEq<MappedVector<U, M>> for MappedVector<T, N>
where
    T: PartialEq<U>,
{
    #[inline]
    fn eq(&self, other: &MappedVector<U, M>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

/// `MappedVector == $rhs` and `$rhs == MappedVector`, for slice-like types.
macro_rules! eq_both_ways {
    ($([$($lt:lifetime)?] [$($k:ident)?] $rhs:ty),* $(,)?) => {$(
        impl<$($lt,)? T, U, const N: usize $(, const $k: usize)?> PartialEq<$rhs>
            for MappedVector<T, N>
        where
            T: PartialEq<U>,
        {
            #[inline]
            fn eq(&self, other: &$rhs) -> bool {
                self.as_slice() == &other[..]
            }
        }

        impl<$($lt,)? T, U, const N: usize $(, const $k: usize)?> PartialEq<MappedVector<T, N>>
            for $rhs
        where
            U: PartialEq<T>,
        {
            #[inline]
            fn eq(&self, other: &MappedVector<T, N>) -> bool {
                self[..] == other[..]
            }
        }
    )*};
}

eq_both_ways!(
    [] [] Vec<U>,
    [] [] [U],
    ['a] [] &'a [U],
    ['a] [] &'a mut [U],
    [] [K] [U; K],
    ['a] [K] &'a [U; K],
);
