//! The resident memory of this process.

/// Resident anonymous bytes of this process: the memory containers, heaps
/// and stacks hold, without the pages of the program's own code and files
/// (which a first call into new code faults in, and which have nothing to
/// do with what a test measures). `RssAnon` of `/proc/self/status`.
pub fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let kib: usize = status
        .lines()
        .find_map(|line| line.strip_prefix("RssAnon:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no RssAnon in /proc/self/status:\n{status}"));
    kib * 1024
}
