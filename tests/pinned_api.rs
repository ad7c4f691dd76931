//! The public surface DESIGN.md pins, written as its snippet writes it:
//! tests kept outside the crate compile against these names, so this file
//! fails to compile the day one of them changes. Each call also does what
//! the snippet's comments say.

use mapped::{MappedQueue, MappedVector, Mapper, OsMapper, MAPPER};
use mapped_testkit::TestMapper;
use std::sync::Arc;

#[test]
fn the_pinned_snippet_compiles_and_behaves() {
    // A `Mapper` implementable outside the crate: `OsMapper` is one.
    fn is_mapper<M: Mapper>(_: &M) {}
    is_mapper(&OsMapper);

    let mut v: MappedVector<i32, 1> = MappedVector::new(MAPPER);
    let m = Arc::new(TestMapper::new("pinned"));
    let mut w: MappedVector<u64, 4> = MappedVector::new(m.clone());
    w.push(7).unwrap();
    assert_eq!(w[..], [7]);
    v.push(1).unwrap();
    assert_eq!(v.pop(), Some(1));
    assert_eq!((v.len(), v.is_empty()), (0, true));
    let _ = (v.capacity(), v.committed_bytes());
    v.truncate(0);
    v.clear();
    v.reserve(100).unwrap();
    assert!(v.capacity() >= 100);
    v.shrink_to_fit().unwrap();
    v.extend_from_slice(&[1, 2]).unwrap();
    let s: &[i32] = &v;
    assert_eq!(s, [1, 2]);

    let mut q: MappedQueue<u64, 1> = MappedQueue::new(MAPPER);
    q.push(3).unwrap();
    assert_eq!(q.peek(), Some(&3));
    assert_eq!(q.pop(), Some(3));
    assert_eq!((q.len(), q.committed_bytes()), (0, 0));
    let mut other: MappedQueue<u64, 1> = MappedQueue::new(MAPPER);
    other.push(5).unwrap();
    q.append(&mut other).unwrap();
    q.retain(|&x| x > 1);
    assert_eq!(q.len(), 1);

    v.resize(10, 0).unwrap();
    v.resize_with(20, Default::default).unwrap();
    let tail = v.split_off(5).unwrap();
    assert_eq!((v.len(), tail.len()), (5, 15));
    v.dedup();
    v.extend_from_within(..2).unwrap();
    let _spare: &mut [std::mem::MaybeUninit<i32>] = v.spare_capacity_mut();

    let mut bytes: MappedVector<u8> = MappedVector::new(MAPPER);
    std::io::Write::write_all(&mut bytes, b"pinned").unwrap();
    assert_eq!(bytes[..], *b"pinned");

    mapped::trim_cache();
    let s = mapped::stats();
    let _ = s.committed_bytes;

    let inv = mapped::inventory();
    for c in inv.containers() {
        let _: Option<&str> = c.name();
        let _: (usize, usize) = (c.committed_bytes(), c.reserved_bytes());
        let _: &'static std::panic::Location<'static> = c.created_at();
    }
    assert!(inv.to_string().contains("who holds the memory"));
    mapped::set_slow_call_threshold(Some(std::time::Duration::from_millis(10)));
    mapped::set_slow_call_threshold(None);

    fn f(v: &mut MappedVector<u8>) -> std::io::Result<()> {
        v.push(1)?;
        v.reserve(9)?;
        Ok(())
    }
    f(&mut bytes).unwrap();
}
