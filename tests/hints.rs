//! The OS hints: huge pages for a container's reservation and populating
//! pages about to be written. Hints change speed, never contents: these
//! check the contents through growth, window moves, shrinking and regrowth.

use mapped::{MappedVector, MAPPER};

use mapped_testkit::TestMapper;

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

/// Pushes populate the pages they are about to fill, a bounded stretch
/// ahead, and never pages they will not reach soon: across a fill, a
/// pop-all (which gives the pages back) and a refill.
#[test]
fn pushes_populate_a_bounded_stretch_ahead() {
    static LOG: TestMapper = TestMapper::new("populate-log").with_populate();
    // The README: pushes fault in the next 256 KiB in one call, and ranges
    // under 32 KiB are left to fault page by page.
    const AHEAD: usize = 256 << 10;
    const MIN: usize = 32 << 10;
    let mut v: MappedVector<u64> = MappedVector::new(&LOG);
    for round in 0..2 {
        let mut seen = 0;
        let mut populated = 0;
        for i in 0..1_000_000u64 {
            v.push(i).unwrap();
            let log = LOG.populates.lock().unwrap();
            for &(addr, len) in &log[seen..] {
                let base = v.as_ptr() as usize;
                let written = v.len() * 8;
                assert!(addr >= base && addr + len <= base + v.committed_bytes());
                // What is populated starts at the pushes and runs at most
                // one stretch (and a page of rounding) past them.
                assert!(
                    addr - base < written,
                    "round {round}: populated ahead of a gap"
                );
                assert!(
                    addr + len - base <= written + AHEAD + v.page_size(),
                    "round {round}: populated {} bytes past the pushes",
                    addr + len - base - written
                );
                assert!(len >= MIN, "a call for {len} bytes");
                populated += len;
            }
            seen = log.len();
        }
        // All but the first few pages (left to fault: too few to be worth a
        // call) were populated ahead of their writes.
        assert!(
            populated >= 8_000_000 - 64 * 1024,
            "round {round}: {populated}"
        );
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64));
        while v.pop().is_some() {}
        LOG.populates.lock().unwrap().clear();
    }
}
