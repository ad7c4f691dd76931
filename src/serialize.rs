//! `Serialize` and `Deserialize` (cargo feature `serde`): both containers
//! are sequences of their elements, as `Vec` and `BinaryHeap` are, so they
//! read and write the same documents. A deserialized container lives on
//! the OS mapper ([`MAPPER`]) with the default options.
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use mapped::{MappedQueue, MappedVector, MAPPER};
//!
//! let mut v: MappedVector<u32> = MappedVector::new(MAPPER);
//! v.extend_from_slice(&[3, 1, 2]).unwrap();
//! let json = serde_json::to_string(&v).unwrap();
//! assert_eq!(json, "[3,1,2]");
//! let q: MappedQueue<u32> = serde_json::from_str(&json).unwrap();
//! assert_eq!(q.into_sorted_vec()[..], [1, 2, 3]);
//! # }
//! ```

use crate::os::MAPPER;
use crate::queue::MappedQueue;
use crate::vector::MappedVector;
use serde::de::{Deserialize, Deserializer, Error as _, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

impl<T: Serialize, const N: usize> Serialize for MappedVector<T, N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for MappedVector<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(Elements(PhantomData))
    }
}

/// The elements are the queue; the order is its heap order (any order
/// reads back: deserializing builds the heap).
impl<T: Ord + Serialize, const N: usize> Serialize for MappedQueue<T, N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, T: Ord + Deserialize<'de>, const N: usize> Deserialize<'de> for MappedQueue<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        MappedVector::<T, N>::deserialize(deserializer).map(MappedQueue::from)
    }
}

/// Reads a sequence into a vector on the OS mapper.
struct Elements<T, const N: usize>(PhantomData<fn() -> MappedVector<T, N>>);

impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for Elements<T, N> {
    type Value = MappedVector<T, N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = MappedVector::new(MAPPER);
        // A hint is only a hint: a document may claim more than it holds.
        let _ = v.reserve(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(item) = seq.next_element()? {
            v.push(item).map_err(|e| A::Error::custom(e.error()))?;
        }
        Ok(v)
    }
}
