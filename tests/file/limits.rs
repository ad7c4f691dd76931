//! A real file size limit (`RLIMIT_FSIZE`), in children (a limit is the
//! whole process's): growth past it is an error that loses nothing, and
//! none of the vector's own writes raises `SIGXFSZ` (which kills) where
//! the file is already larger than the limit.

use crate::{ran_in_a_child, temp_path, value, CHILD_DONE};
use mapped::FileVector;

/// Sets the process's soft file size limit to `bytes`.
fn limit_file_size(bytes: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` and `setrlimit` read or write only `limit`.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit), 0);
        limit.rlim_cur = bytes;
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
}

#[test]
fn growth_past_a_file_size_limit_is_an_error_that_loses_nothing() {
    if ran_in_a_child("limits::growth_past_a_file_size_limit_is_an_error_that_loses_nothing") {
        return;
    }
    // As the docs say: ignored, or the refused growth kills the process.
    // SAFETY: setting a signal's disposition to "ignore" runs no code.
    unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    let path = temp_path("fsize-limit");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    limit_file_size(4 << 20);
    let mut pushed = 0;
    let refused = loop {
        match f.push(value(pushed)) {
            Ok(()) => pushed += 1,
            Err(e) => break e,
        }
        assert!(pushed < 1 << 20, "the 4 MiB limit is not in force");
    };
    let errno = refused.error().os_error().and_then(|e| e.raw_os_error());
    assert_eq!(errno, Some(libc::EFBIG), "{}", refused.error());
    assert_eq!(refused.into_value(), value(pushed));
    assert!(pushed > 0);
    assert!(f.iter().copied().eq((0..pushed).map(value)));
    assert!(std::fs::metadata(&path).unwrap().len() <= 4 << 20);
    f.flush().unwrap();
    drop(f);
    let f: FileVector<u64> = FileVector::open(&path).unwrap();
    assert!(f.iter().copied().eq((0..pushed).map(value)));
    drop(f);
    std::fs::remove_file(&path).unwrap();
    eprintln!("{CHILD_DONE}");
}

#[test]
fn pushes_into_a_file_larger_than_the_limit_are_not_killed() {
    if ran_in_a_child("limits::pushes_into_a_file_larger_than_the_limit_are_not_killed") {
        return;
    }
    // `SIGXFSZ` keeps its default action, which kills the process.
    let path = temp_path("fsize-over");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    let n = 1 << 20; // 8 MiB
    f.reserve(n as usize).unwrap();
    limit_file_size(64 << 10);
    for i in 0..n {
        f.push(value(i)).unwrap();
    }
    assert!(f.iter().copied().eq((0..n).map(value)));
    f.flush().unwrap();
    drop(f);
    std::fs::remove_file(&path).unwrap();
    eprintln!("{CHILD_DONE}");
}
