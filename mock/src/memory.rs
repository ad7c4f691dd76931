//! The bytes the mock writes into pages: the poison pattern of decommitted
//! pages (poison mode) and the junk of freshly committed ones.
//!
//! Pages are page-aligned and the page size is a multiple of
//! `size_of::<usize>()` (the trait promises a power of two at least
//! `align_of::<usize>()`), so everything is done a word at a time.

use rand::rngs::StdRng;
use rand::RngCore;
use std::mem::size_of;

/// The base of the poison pattern: `0xDE` bytes, recognisable in a debugger.
const POISON: u64 = 0xDEDE_DEDE_DEDE_DEDE;

/// The poison word stored at `addr`: the pattern mixed with the word's
/// address, so that a stray write of `0xDE` bytes, or a copy of another
/// poisoned word, is still caught.
#[inline]
fn poison_word(addr: usize) -> usize {
    (POISON as usize) ^ addr
}

/// Fills `[page, page + len)` with the poison pattern.
///
/// # Safety
///
/// The range is word-aligned, a whole number of words, readable and
/// writable, and nothing else uses it.
pub(crate) unsafe fn fill_poison(page: *mut u8, len: usize) {
    let words = page.cast::<usize>();
    for i in 0..len / size_of::<usize>() {
        // SAFETY: the word is inside the range, aligned and writable (caller).
        unsafe {
            let w = words.add(i);
            w.write_volatile(poison_word(w as usize));
        }
    }
}

/// Whether `[page, page + len)` still holds the poison pattern.
///
/// # Safety
///
/// As [`fill_poison`], readable.
pub(crate) unsafe fn poison_intact(page: *const u8, len: usize) -> bool {
    let words = page.cast::<usize>();
    (0..len / size_of::<usize>()).all(|i| {
        // SAFETY: the word is inside the range, aligned and readable (caller).
        unsafe {
            let w = words.add(i);
            w.read_volatile() == poison_word(w as usize)
        }
    })
}

/// Fills `[page, page + len)` with junk from `rng`: freshly committed
/// memory has unspecified contents, and junk (unlike the OS's zeroes)
/// makes a read of it show.
///
/// # Safety
///
/// As [`fill_poison`].
pub(crate) unsafe fn fill_junk(page: *mut u8, len: usize, rng: &mut StdRng) {
    let words = page.cast::<usize>();
    for i in 0..len / size_of::<usize>() {
        // Truncation on 32-bit targets is fine: it is junk.
        let junk = rng.next_u64() as usize;
        // SAFETY: the word is inside the range, aligned and writable (caller).
        unsafe { words.add(i).write_volatile(junk) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn poison_is_checked_word_by_word() {
        let mut buf = vec![0usize; 64];
        let len = buf.len() * size_of::<usize>();
        let p = buf.as_mut_ptr().cast::<u8>();
        // SAFETY: `buf` is ours, aligned, `len` bytes.
        unsafe {
            fill_poison(p, len);
            assert!(poison_intact(p, len));
            p.add(100).write(p.add(100).read() ^ 1);
            assert!(!poison_intact(p, len));
        }
    }

    #[test]
    fn junk_is_seeded() {
        let mut a = vec![0usize; 32];
        let mut b = vec![0usize; 32];
        let len = a.len() * size_of::<usize>();
        // SAFETY: both buffers are ours, aligned, `len` bytes.
        unsafe {
            fill_junk(a.as_mut_ptr().cast(), len, &mut StdRng::seed_from_u64(3));
            fill_junk(b.as_mut_ptr().cast(), len, &mut StdRng::seed_from_u64(3));
        }
        assert_eq!(a, b);
        assert!(a.iter().any(|&w| w != 0));
    }
}
