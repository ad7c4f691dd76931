//! The resident memory of this process.

use mapped::{Mapper, MAPPER};

/// Resident bytes of this process: the second field of `/proc/self/statm`
/// (in pages) times the page size.
pub fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("read /proc/self/statm");
    let resident: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|f| f.parse().ok())
        .unwrap_or_else(|| panic!("unexpected /proc/self/statm: {statm:?}"));
    resident * MAPPER.page_size()
}
