//! Real refusals from the kernel. A file size limit (`RLIMIT_FSIZE`), in
//! children (a limit is the whole process's): growth past it is an error
//! that loses nothing, and none of the vector's own writes raises
//! `SIGXFSZ` (which kills) where the file is already larger than the
//! limit. A full file system (a 4 MiB tmpfs, on Linux as root): growth is
//! `ENOSPC`, and loses nothing, whether `fallocate` refuses it or (built
//! with `--cfg mapped_portable`, the path of macOS and the BSDs) the zeros
//! written over the grown range do; never a `SIGBUS` at a push.

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
        // `rlim_t` is `u64` on Linux and macOS, `i64` on FreeBSD.
        limit.rlim_cur = bytes as libc::rlim_t;
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
}

/// Pushes `value(i)` into the empty `f` until the OS refuses with `errno`
/// (within 8 MiB), checks that the refusal handed the value back and
/// lost nothing, and returns how many went in.
fn push_until_refused(f: &mut FileVector<u64>, errno: i32) -> u64 {
    let mut pushed = 0;
    let refused = loop {
        match f.push(value(pushed)) {
            Ok(()) => pushed += 1,
            Err(e) => break e,
        }
        assert!(pushed < 1 << 20, "nothing refused 8 MiB");
    };
    let got = refused.error().os_error().and_then(|e| e.raw_os_error());
    assert_eq!(got, Some(errno), "{}", refused.error());
    eprintln!(
        "push {pushed} refused: {}: {}",
        refused.error(),
        std::io::Error::from_raw_os_error(errno)
    );
    assert_eq!(refused.into_value(), value(pushed));
    assert!(pushed > 0);
    assert!(f.iter().copied().eq((0..pushed).map(value)));
    pushed
}

#[test]
fn growth_past_a_file_size_limit_is_an_error_that_loses_nothing() {
    if ran_in_a_child("limits::growth_past_a_file_size_limit_is_an_error_that_loses_nothing") {
        return;
    }
    // As the docs say: ignored, or the refused growth kills the process
    // (Linux's `fallocate` raises `SIGXFSZ`).
    // SAFETY: setting a signal's disposition to "ignore" runs no code.
    unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    let path = temp_path("fsize-limit");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    limit_file_size(4 << 20);
    let pushed = push_until_refused(&mut f, libc::EFBIG);
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

/// A full file system: Linux's tmpfs, mounted (as root) for the test. In
/// a child, so that a `SIGBUS` (the failure this guards against) shows as
/// that child's death by it.
#[cfg(target_os = "linux")]
#[test]
fn growth_on_a_full_file_system_is_an_error_that_loses_nothing() {
    const NAME: &str = "limits::growth_on_a_full_file_system_is_an_error_that_loses_nothing";
    if ran_in_a_child(NAME) {
        return;
    }
    let fs = match crate::mount::Mounted::new("tmpfs", &format!("size={}", 4 << 20)) {
        Ok(fs) => fs,
        Err(why) => {
            mapped_testkit::skip(NAME, &format!("no 4 MiB tmpfs to fill ({why})"));
            eprintln!("{CHILD_DONE}");
            return;
        }
    };
    let path = fs.path().join("full");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    let pushed = push_until_refused(&mut f, libc::ENOSPC);
    // Refused again, and still nothing lost; the saved length can be
    // written on the full file system.
    assert!(f.extend_from_slice(&[1; 1 << 20]).is_err());
    assert_eq!(f.len(), pushed as usize);
    f.flush().unwrap();
    drop(f);
    let mut f: FileVector<u64> = FileVector::open(&path).unwrap();
    assert!(f.iter().copied().eq((0..pushed).map(value)));
    // Giving the space back makes room again.
    f.clear();
    for i in 0..pushed / 2 {
        f.push(value(i)).unwrap();
    }
    drop(f);
    eprintln!("{CHILD_DONE}");
}
