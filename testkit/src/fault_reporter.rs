//! Names the running case when a memory fault kills the process: a bug in
//! trap mode (or a wild access in any mode) is a `SIGSEGV`, which no panic
//! message reports, so a handler prints the seed of the case the faulting
//! thread was running, then lets the signal kill the process as before.

use std::cell::Cell;
use std::sync::Once;

thread_local! {
    static CURRENT: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Keeps the handlers this process has, and never installs the reporter:
/// for a process whose own handlers report a fault better (a fuzzer's or
/// a sanitizer's, which save the input that caused it).
pub fn keep_existing_handlers() {
    ONCE.call_once(|| {});
}

/// Records the seed of the case this thread runs now.
pub fn set_case(seed: u64) {
    install();
    CURRENT.with(|c| c.set(Some(seed)));
}

/// Guards the installation: once per process, or never after
/// [`keep_existing_handlers`].
static ONCE: Once = Once::new();

/// Installs the handler (once per process). Not under Miri, which cannot
/// install signal handlers (and whose mapper cannot fault: no `mmap`).
pub fn install() {
    if cfg!(miri) {
        return;
    }
    ONCE.call_once(|| {
        let handler = on_fault as extern "C" fn(libc::c_int) as libc::sighandler_t;
        for sig in [libc::SIGSEGV, libc::SIGBUS] {
            // SAFETY: the handler makes only async-signal-safe calls
            // (write, signal) and reads a plain thread-local.
            unsafe { libc::signal(sig, handler) };
        }
    });
}

extern "C" fn on_fault(sig: libc::c_int) {
    let mut buf = [0u8; 256];
    let mut n = 0;
    let mut put = |bytes: &[u8]| {
        let k = bytes.len().min(buf.len() - n);
        buf[n..n + k].copy_from_slice(&bytes[..k]);
        n += k;
    };
    put(b"\nfuzz: memory fault (signal ");
    put(digits(sig as u64).as_slice());
    match CURRENT.try_with(Cell::get).ok().flatten() {
        Some(seed) => {
            put(b") in the case with seed ");
            put(digits(seed).as_slice());
            put(b"; MAPPED_SEED=");
            put(digits(seed).as_slice());
            put(b" MAPPED_FUZZ_CASES=1 (or the soak's --seed ");
            put(digits(seed).as_slice());
            put(b" --cases 1) replays it");
        }
        None => put(b") outside any fuzz case"),
    }
    put(b"\n");
    // SAFETY: write(2) and signal(2) are async-signal-safe and `buf` is
    // ours. With the default action back, returning re-runs the faulting
    // access, which kills the process with `sig` as it would have.
    unsafe {
        libc::write(2, buf.as_ptr().cast(), n);
        libc::signal(sig, libc::SIG_DFL);
    }
}

/// `v` in decimal, without allocating.
struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    fn as_slice(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

fn digits(mut v: u64) -> Digits {
    let mut d = Digits {
        buf: [0; 20],
        start: 20,
    };
    loop {
        d.start -= 1;
        d.buf[d.start] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return d;
        }
    }
}
