//! Names the running case when a memory fault kills the process: a bug in
//! trap mode (or a wild access in any mode) is a `SIGSEGV` (on Windows an
//! access violation), which no panic message reports, so a handler prints
//! the seed of the case the faulting thread was running, then lets the
//! fault kill the process as before.

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

/// Installs the handler (once per process): for `SIGSEGV` and `SIGBUS` on
/// Unix, an unhandled-exception filter on Windows (where a fault is an
/// exception, `STATUS_ACCESS_VIOLATION`, not a signal), nothing elsewhere.
/// Not under Miri, which cannot install either (and whose mapper cannot
/// fault: no `mmap`).
pub fn install() {
    if cfg!(miri) {
        return;
    }
    ONCE.call_once(os::install);
}

/// Writes the report of a fault: `what` and `code` in `radix` name it (a
/// signal's number, an exception's code), followed by the seed of the case
/// this thread runs, if any. Allocates nothing and takes no lock, so a
/// signal handler may call it.
fn report(what: &[u8], code: u64, radix: u64) {
    let mut buf = [0u8; 256];
    let mut n = 0;
    let mut put = |bytes: &[u8]| {
        let k = bytes.len().min(buf.len() - n);
        buf[n..n + k].copy_from_slice(&bytes[..k]);
        n += k;
    };
    put(b"\nfuzz: memory fault (");
    put(what);
    put(digits(code, radix).as_slice());
    match CURRENT.try_with(Cell::get).ok().flatten() {
        Some(seed) => {
            put(b") in the case with seed ");
            put(digits(seed, 10).as_slice());
            put(b"; MAPPED_SEED=");
            put(digits(seed, 10).as_slice());
            put(b" MAPPED_FUZZ_CASES=1 (or the soak's --seed ");
            put(digits(seed, 10).as_slice());
            put(b" --cases 1) replays it");
        }
        None => put(b") outside any fuzz case"),
    }
    put(b"\n");
    os::write_stderr(&buf[..n]);
}

#[cfg(unix)]
mod os {
    pub fn install() {
        let handler = on_fault as extern "C" fn(libc::c_int) as libc::sighandler_t;
        for sig in [libc::SIGSEGV, libc::SIGBUS] {
            // SAFETY: the handler makes only async-signal-safe calls
            // (write, signal) and reads a plain thread-local.
            unsafe { libc::signal(sig, handler) };
        }
    }

    extern "C" fn on_fault(sig: libc::c_int) {
        super::report(b"signal ", sig as u64, 10);
        // SAFETY: signal(2) is async-signal-safe. With the default action
        // back, returning re-runs the faulting access, which kills the
        // process with `sig` as it would have.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }

    pub fn write_stderr(bytes: &[u8]) {
        // SAFETY: write(2) is async-signal-safe and `bytes` is ours.
        unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
    }
}

#[cfg(windows)]
mod os {
    use std::io::Write;
    use windows_sys::Win32::System::Diagnostics::Debug::{
        SetUnhandledExceptionFilter, EXCEPTION_CONTINUE_SEARCH, EXCEPTION_POINTERS,
    };

    pub fn install() {
        // SAFETY: the filter only reads the record it is handed and writes
        // to stderr; it replaces no filter this crate relies on.
        unsafe { SetUnhandledExceptionFilter(Some(on_fault)) };
    }

    /// Runs on the faulting thread when nothing handled the exception;
    /// continuing the search ends the process with its code, as before.
    unsafe extern "system" fn on_fault(info: *const EXCEPTION_POINTERS) -> i32 {
        // SAFETY: the system passes a valid record for the exception.
        let code = unsafe { (*(*info).ExceptionRecord).ExceptionCode };
        super::report(b"exception 0x", u64::from(code as u32), 16);
        EXCEPTION_CONTINUE_SEARCH
    }

    pub fn write_stderr(bytes: &[u8]) {
        // Not a signal handler: the thread is stopped at its fault, and
        // stderr is unbuffered.
        let _ = std::io::stderr().write_all(bytes);
    }
}

#[cfg(not(any(unix, windows)))]
mod os {
    pub fn install() {}

    pub fn write_stderr(bytes: &[u8]) {
        let _ = bytes;
    }
}

/// `v` in `radix` (at most 16), without allocating.
struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    fn as_slice(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

fn digits(mut v: u64, radix: u64) -> Digits {
    let mut d = Digits {
        buf: [0; 20],
        start: 20,
    };
    loop {
        d.start -= 1;
        d.buf[d.start] = b"0123456789ABCDEF"[(v % radix) as usize];
        v /= radix;
        if v == 0 {
            return d;
        }
    }
}
