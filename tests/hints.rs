//! The OS hints: huge pages for a container's reservation and populating
//! pages about to be written. Hints change speed, never contents: these
//! check the contents through growth, window moves, shrinking and regrowth.

use mapped::{MappedVector, MAPPER};

#[test]
fn huge_page_vector_grows_shrinks_and_regrows() {
    let mut v: MappedVector<u64> = MappedVector::builder(MAPPER)
        .huge_pages(true)
        .initial_window(4 << 20) // moves to larger windows as it grows
        .build()
        .unwrap();
    for round in 0..3u64 {
        for i in 0..3_000_000 {
            v.push(i ^ round).unwrap();
        }
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 ^ round));
        v.truncate(1000);
        assert!(v.committed_bytes() <= 4 * 1000 * 8 + v.page_size());
        v.clear();
    }
}

#[test]
fn extend_from_slice_populates_and_keeps_contents() {
    let source: Vec<u64> = (0..2_000_000).collect();
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    v.extend_from_slice(&source[..10]).unwrap();
    v.extend_from_slice(&source[10..]).unwrap();
    assert_eq!(v, source);
    let mut w: MappedVector<u64> = MappedVector::new(MAPPER);
    w.try_extend(source.iter().copied()).unwrap();
    v.append(&mut w).unwrap();
    assert_eq!(v.len(), 4_000_000);
    assert_eq!(&v[2_000_000..], &source[..]);
}
