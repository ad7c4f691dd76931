// std tests that hold on the heap (contents below the heap limit grow
// like `Vec`'s) but not under `heap_limit(0)`, where capacity comes in
// whole pages by design. Run on the default heap limit only.

// Under `heap_limit(0)` the split-off vector of 6 `i32`s gets a whole page
// (1024 of them on 4 KiB pages), not fewer than the original's 1000, so
// `split_off.capacity() < orig_capacity` cannot hold there: pages, by design.
#[test]
fn test_split_off_take_all() {
    // Allocate enough capacity that we can tell whether the split-off vector's
    // capacity is based on its size, or (incorrectly) on the original capacity.
    let mut vec = with_capacity(1000);
    vec.extend([1, 2, 3, 4, 5, 6]);
    let orig_ptr = vec.as_ptr();
    let orig_capacity = vec.capacity();

    let split_off = vec.split_off(0).unwrap();
    assert_eq!(vec, []);
    assert_eq!(split_off, [1, 2, 3, 4, 5, 6]);
    assert_eq!(vec.capacity(), orig_capacity);
    assert_eq!(vec.as_ptr(), orig_ptr);

    // The split-off vector should be newly-allocated, and should not have
    // stolen the original vector's allocation.
    assert!(split_off.capacity() < orig_capacity);
    assert_ne!(split_off.as_ptr(), orig_ptr);
}
