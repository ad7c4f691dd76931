//! The `failpoints` feature's file points (`--features file,failpoints`):
//! each fires and is handled. In a child process, so that no other test
//! of this binary sees a point set.

use crate::temp_path;
use mapped::failpoints::Injected;
use mapped::{FileError, FileVector};
use mapped_mock::child;

const NAME: &str = "failpoints::each_file_point_fires_and_loses_nothing";

fn injected_at(e: &FileError) -> Option<&'static str> {
    e.os_error().and_then(Injected::of).map(|i| i.point())
}

#[test]
fn each_file_point_fires_and_loses_nothing() {
    if !child::is_child(NAME) {
        let out = child::run(NAME, &[]);
        assert!(out.status.success(), "{}", child::describe(&out));
        return;
    }
    let _scenario = fail::FailScenario::setup();
    let path = temp_path("failpoints");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();

    fail::cfg("mapped::file_grow", "return").unwrap();
    let e = f.push(1).unwrap_err();
    assert_eq!(injected_at(e.error()), Some("mapped::file_grow"));
    assert_eq!(e.error().os_error().unwrap().raw_os_error(), None);
    assert_eq!(e.into_value(), 1);
    assert!(f.is_empty() && f.capacity() == 0);
    fail::remove("mapped::file_grow");

    f.extend_from_slice(&[1, 2, 3]).unwrap();
    fail::cfg("mapped::file_remap", "return").unwrap();
    let e = f.extend_from_slice(&[0; 100_000]).unwrap_err();
    assert_eq!(injected_at(&e), Some("mapped::file_remap"));
    assert_eq!(&f[..], &[1, 2, 3]);
    fail::remove("mapped::file_remap");

    for point in ["mapped::file_flush", "mapped::file_header"] {
        fail::cfg(point, "return").unwrap();
        let e = f.flush().unwrap_err();
        assert_eq!(injected_at(&e), Some(point));
        assert_eq!(f.saved_len(), 0, "{point}: a failed flush saved");
        fail::remove(point);
    }
    f.flush().unwrap();
    assert_eq!(f.saved_len(), 3);

    f.extend_from_slice(&vec![9; 1 << 20]).unwrap();
    let committed = f.committed_bytes();
    fail::cfg("mapped::file_punch", "return").unwrap();
    f.truncate(3);
    assert_eq!(
        f.committed_bytes(),
        committed,
        "a failed cut gave blocks back"
    );
    fail::remove("mapped::file_punch");
    f.pop();
    assert!(f.committed_bytes() < committed);
    drop(f);
    // The pop wrote nothing and cut nothing below the saved length.
    assert_eq!(&FileVector::<u64>::open(&path).unwrap()[..], &[1, 2, 3]);

    // A failed populate is a hint missed: the pushes fault the pages in
    // themselves, and every value is there. (Where growth writes zeros,
    // the pages are ready already and nothing populates.)
    let mut f: FileVector<u64> = FileVector::open(&path).unwrap();
    fail::cfg("mapped::file_populate", "return").unwrap();
    let before = mapped::stats();
    for i in 0..100_000 {
        f.push(i).unwrap();
    }
    let injected = mapped::stats().injected_faults - before.injected_faults;
    if crate::growth_writes_zeros() {
        assert_eq!(injected, 0, "a populate ran after growth wrote zeros");
    } else {
        assert!(injected > 0, "no populate ran");
    }
    fail::remove("mapped::file_populate");
    assert_eq!(&f[..3], &[1, 2, 3]);
    assert!(f[3..].iter().copied().eq(0..100_000));
    drop(f);
    std::fs::remove_file(&path).unwrap();
}
