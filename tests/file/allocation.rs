//! Growth allocates the grown range's blocks before anything writes it
//! through the mapping, so a full disk is an error at the growth and never
//! a `SIGBUS` at a push: `st_blocks` covers the file's length after a
//! `reserve`, before any push. Through `fallocate` on Linux, and through
//! the zeros macOS and the BSDs write (built with `--cfg mapped_portable`
//! on Linux, and on a Linux file system that refuses `fallocate`: a
//! ramfs). And no hole is ever left below the length.

use crate::{allocated_bytes, temp_path, value};
use mapped::FileVector;

#[test]
fn growth_allocates_the_grown_range_before_it_is_written() {
    let path = temp_path("allocated");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    f.reserve(1 << 20).unwrap(); // 8 MiB, nothing written through the mapping
    let length = std::fs::metadata(&path).unwrap().len();
    assert!(length >= 8 << 20, "the file is {length} bytes");
    assert!(
        allocated_bytes(&path) >= length,
        "{} bytes allocated below a length of {length} before any push",
        allocated_bytes(&path)
    );
    drop(f);
    std::fs::remove_file(&path).unwrap();
}

/// Growth allocates up to the file's length and giving back cuts the
/// length, so no hole ever lies below it: a hole there could be written
/// through a page-cache folio that spans it and allocated blocks both,
/// taking disk unasked (and on a full disk, a `SIGBUS` at a push within
/// capacity).
#[test]
fn every_byte_below_the_file_length_stays_allocated() {
    let path = temp_path("no-holes");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    let length = || std::fs::metadata(&path).unwrap().len();
    for round in 0..3 {
        for i in 0..1 << 20 {
            f.push(value(i)).unwrap(); // 8 MiB
        }
        assert!(allocated_bytes(&path) >= length(), "round {round}, grown");
        f.truncate(1000);
        assert!(f.committed_bytes() < 1 << 20, "round {round}: no shrink");
        assert!(
            allocated_bytes(&path) >= length(),
            "round {round}, shrunk: {} bytes allocated below a length of {}",
            allocated_bytes(&path),
            length()
        );
    }
    drop(f);
    std::fs::remove_file(&path).unwrap();
}

/// Where Linux's `fallocate` is refused (`EOPNOTSUPP`: a ramfs has none),
/// growth writes zeros over the range instead: allocated all the same.
/// (Mounting takes root; built with `--cfg mapped_portable` the vector
/// writes zeros without asking `fallocate`, and the test holds too.)
#[cfg(target_os = "linux")]
#[test]
fn where_fallocate_is_refused_growth_writes_zeros() {
    use std::os::fd::AsRawFd;
    const NAME: &str = "where_fallocate_is_refused_growth_writes_zeros";
    let fs = match crate::mount::Mounted::new("ramfs", "mode=0700") {
        Ok(fs) => fs,
        Err(why) => return mapped_testkit::skip(NAME, &format!("no ramfs ({why})")),
    };
    // The premise: this file system refuses `fallocate`.
    let probe = std::fs::File::create(fs.path().join("probe")).unwrap();
    // SAFETY: `fallocate` reads no memory; the descriptor is open.
    let rc = unsafe { libc::fallocate(probe.as_raw_fd(), 0, 0, 4096) };
    let refused = std::io::Error::last_os_error().raw_os_error();
    assert!(
        rc == -1 && refused == Some(libc::EOPNOTSUPP),
        "ramfs accepted fallocate ({rc}, {refused:?}): the test needs a file system that refuses it"
    );
    drop(probe);

    let path = fs.path().join("v");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    let n = 1u64 << 17; // 1 MiB
    f.reserve(n as usize).unwrap();
    let length = std::fs::metadata(&path).unwrap().len();
    assert!(length >= 1 << 20, "the file is {length} bytes");
    assert!(
        allocated_bytes(&path) >= length,
        "{} bytes allocated below a length of {length}: the range was left sparse",
        allocated_bytes(&path)
    );
    for i in 0..n {
        f.push(value(i)).unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let f: FileVector<u64> = FileVector::open(&path).unwrap();
    assert!(f.iter().copied().eq((0..n).map(value)));
}
