//! The resident memory of this process, asked of each OS its own way.
//!
//! | OS | what [`rss()`] reads |
//! |---|---|
//! | Linux | `RssAnon` of `/proc/self/status` |
//! | macOS | `task_info(MACH_TASK_BASIC_INFO).resident_size` |
//! | FreeBSD | `sysctl(KERN_PROC_PID).ki_rssize` pages |
//! | Windows | `GetProcessMemoryInfo().WorkingSetSize` |
//!
//! Only Linux tells anonymous pages apart; elsewhere the figure also holds
//! the pages of the program's code and files. Tests compare two readings
//! around what they do, which those pages barely move once the code under
//! test has run once.
//!
//! [`resident()`] says which pages of a range are resident: `mincore` on
//! Unix, `QueryWorkingSetEx` on Windows.

/// Resident bytes of this process: on Linux its anonymous pages only (the
/// memory containers, heaps and stacks hold, without the pages of the
/// program's own code and files, which a first call into new code faults
/// in and which have nothing to do with what a test measures); elsewhere
/// everything resident (see the module docs).
///
/// # Panics
///
/// When the OS does not answer, or on an OS none of the above.
pub fn rss() -> usize {
    os::rss()
}

/// Whether each page of `[addr, addr + len)` is resident, one flag per
/// page of the system's size from the page holding `addr`.
///
/// # Panics
///
/// When the OS does not answer (the range is not mapped, on Unix), or on
/// an OS without such a query (neither Unix nor Windows).
pub fn resident(addr: *const u8, len: usize) -> Vec<bool> {
    os::resident(addr, len)
}

#[cfg(unix)]
mod unix {
    /// `mincore`, which takes `*mut u8` on Linux and `*mut i8` on macOS
    /// and the BSDs (hence the casts).
    pub fn resident(addr: *const u8, len: usize) -> Vec<bool> {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        let start = addr as usize & !(page - 1);
        let len = len + (addr as usize - start);
        let mut vec = vec![0u8; len.div_ceil(page)];
        // SAFETY: `vec` has one byte for each page of the range, all the
        // call writes; it reads nothing of the range itself.
        let r = unsafe { libc::mincore(start as *mut libc::c_void, len, vec.as_mut_ptr().cast()) };
        assert_eq!(r, 0, "mincore: {}", std::io::Error::last_os_error());
        vec.iter().map(|b| b & 1 == 1).collect()
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod os {
    pub use super::unix::resident;

    pub fn rss() -> usize {
        status_bytes("RssAnon") as usize
    }

    /// The line `key` of `/proc/self/status`, a figure in kB, in bytes.
    pub fn status_bytes(key: &str) -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
        let kib: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|v| v.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {key} in /proc/self/status:\n{status}"));
        kib * 1024
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) use os::status_bytes;

#[cfg(target_vendor = "apple")]
mod os {
    pub use super::unix::resident;
    use std::mem::MaybeUninit;

    pub fn rss() -> usize {
        let mut info = MaybeUninit::<libc::mach_task_basic_info>::uninit();
        let mut count = libc::MACH_TASK_BASIC_INFO_COUNT;
        // SAFETY: `info` has room for `count` words of the flavor asked
        // for, which is all the kernel writes. (`mach_task_self` is
        // deprecated in libc in favour of the mach2 crate, for a binding
        // that has not changed in decades.)
        #[allow(deprecated)]
        let ret = unsafe {
            libc::task_info(
                libc::mach_task_self(),
                libc::MACH_TASK_BASIC_INFO,
                info.as_mut_ptr().cast(),
                &mut count,
            )
        };
        assert_eq!(ret, libc::KERN_SUCCESS, "task_info(MACH_TASK_BASIC_INFO)");
        // SAFETY: the call succeeded, so it filled `info`.
        let info = unsafe { info.assume_init() };
        info.resident_size as usize
    }
}

#[cfg(target_os = "freebsd")]
mod os {
    pub use super::unix::resident;
    use std::mem::{size_of, MaybeUninit};

    pub fn rss() -> usize {
        let mut proc = MaybeUninit::<libc::kinfo_proc>::uninit();
        let mut len = size_of::<libc::kinfo_proc>();
        // SAFETY: getpid has no preconditions.
        let pid = unsafe { libc::getpid() };
        let mut mib = [libc::CTL_KERN, libc::KERN_PROC, libc::KERN_PROC_PID, pid];
        // SAFETY: `mib` names one process's `kinfo_proc`, and `proc` has
        // room for `len` bytes of it; nothing is written to the kernel.
        let ret = unsafe {
            libc::sysctl(
                mib.as_mut_ptr(),
                mib.len() as libc::c_uint,
                proc.as_mut_ptr().cast(),
                &mut len,
                std::ptr::null(),
                0,
            )
        };
        assert!(
            ret == 0 && len == size_of::<libc::kinfo_proc>(),
            "sysctl(KERN_PROC_PID): {}",
            std::io::Error::last_os_error()
        );
        // SAFETY: the call succeeded and wrote the whole struct.
        let proc = unsafe { proc.assume_init() };
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        proc.ki_rssize as usize * page as usize
    }
}

#[cfg(windows)]
mod os {
    use mapped::Mapper;
    use std::mem::{size_of, size_of_val};
    use windows_sys::Win32::System::ProcessStatus::{
        GetProcessMemoryInfo, QueryWorkingSetEx, PROCESS_MEMORY_COUNTERS,
        PSAPI_WORKING_SET_EX_INFORMATION,
    };
    use windows_sys::Win32::System::Threading::GetCurrentProcess;

    pub fn resident(addr: *const u8, len: usize) -> Vec<bool> {
        // On Windows the OS mapper's page size is the system's.
        let page = mapped::MAPPER.page_size();
        let start = addr as usize & !(page - 1);
        let mut pages: Vec<_> = (start..addr as usize + len)
            .step_by(page)
            .map(|a| PSAPI_WORKING_SET_EX_INFORMATION {
                VirtualAddress: a as *mut _,
                ..Default::default()
            })
            .collect();
        let size = size_of_val(pages.as_slice()) as u32;
        // SAFETY: the pseudo-handle of this process, and an array of
        // `size` bytes of entries, each naming the page it asks about;
        // the call writes only their attributes.
        let ok = unsafe { QueryWorkingSetEx(GetCurrentProcess(), pages.as_mut_ptr().cast(), size) };
        assert_ne!(
            ok,
            0,
            "QueryWorkingSetEx: {}",
            std::io::Error::last_os_error()
        );
        // SAFETY: every bit pattern is a valid `usize`; bit 0 is `Valid`.
        pages
            .iter()
            .map(|p| unsafe { p.VirtualAttributes.Flags } & 1 == 1)
            .collect()
    }

    pub fn rss() -> usize {
        let size = size_of::<PROCESS_MEMORY_COUNTERS>() as u32;
        let mut counters = PROCESS_MEMORY_COUNTERS {
            cb: size,
            ..Default::default()
        };
        // SAFETY: the pseudo-handle of this process, and a struct of the
        // size passed, which is all the call writes.
        let ok = unsafe { GetProcessMemoryInfo(GetCurrentProcess(), &mut counters, size) };
        assert_ne!(
            ok,
            0,
            "GetProcessMemoryInfo: {}",
            std::io::Error::last_os_error()
        );
        counters.WorkingSetSize
    }
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_vendor = "apple",
    target_os = "freebsd",
    windows
)))]
mod os {
    pub fn rss() -> usize {
        panic!("mapped-testkit: no RSS measure for this OS")
    }

    #[cfg(unix)]
    pub use super::unix::resident;

    #[cfg(not(unix))]
    pub fn resident(_addr: *const u8, _len: usize) -> Vec<bool> {
        panic!("mapped-testkit: no residency query for this OS")
    }
}
