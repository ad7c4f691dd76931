//! Lowering the process's memory limits, for tests of a real refusal:
//! Linux only, which counts every anonymous mapping toward both limits
//! and shows what is in use in `/proc/self/status` (macOS enforces neither
//! on `mmap`, FreeBSD's `RLIMIT_DATA` leaves `mmap` out, and Windows has
//! no rlimits). Run such a test in a child process
//! ([`mapped_mock::child`]): the limit is the whole process's.

/// A memory limit of the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// `RLIMIT_DATA`, against `VmData`.
    Data,
    /// `RLIMIT_AS`, against `VmSize`.
    AddressSpace,
}

impl Limit {
    /// What the process uses of the limit now, in bytes.
    pub fn in_use(self) -> u64 {
        crate::rss::status_bytes(match self {
            Limit::Data => "VmData",
            Limit::AddressSpace => "VmSize",
        })
    }

    /// Lowers the soft limit to `bytes` (the hard one stays).
    ///
    /// # Panics
    ///
    /// When the OS refuses.
    pub fn lower_to(self, bytes: u64) {
        // (Its type differs between glibc and musl: inferred.)
        let resource = match self {
            Limit::Data => libc::RLIMIT_DATA,
            Limit::AddressSpace => libc::RLIMIT_AS,
        };
        let mut rl = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `rl` is a valid `rlimit` to write to.
        let ret = unsafe { libc::getrlimit(resource, &mut rl) };
        assert_eq!(ret, 0, "getrlimit: {}", std::io::Error::last_os_error());
        rl.rlim_cur = bytes as libc::rlim_t;
        // SAFETY: `rl` is a valid `rlimit`; only the soft limit changed.
        let ret = unsafe { libc::setrlimit(resource, &rl) };
        assert_eq!(ret, 0, "setrlimit: {}", std::io::Error::last_os_error());
    }
}
