//! The on-disk header: two 64-byte slots at the start of the file's first
//! 4 KiB, each with a magic number, the format version, the element's size,
//! alignment and type tag, the saved length, a sequence number and a
//! checksum. A flush writes the slot *not* holding the current header, so a
//! write torn by a crash leaves the other slot, the previous flush, intact;
//! open takes the valid slot with the higher sequence number.
//!
//! All integers are little-endian.
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 8 | magic `MAPPEDFV` |
//! | 8 | 4 | format version (1) |
//! | 12 | 4 | data offset (bytes before element 0: a multiple of the page size, at least 4096) |
//! | 16 | 4 | element size |
//! | 20 | 4 | element alignment |
//! | 24 | 8 | type tag |
//! | 32 | 8 | sequence number (the newer slot is the current one) |
//! | 40 | 8 | length, in elements |
//! | 48 | 8 | reserved (0) |
//! | 56 | 8 | FNV-1a 64 of bytes 0..56 |

/// The magic number every file starts with.
pub const MAGIC: [u8; 8] = *b"MAPPEDFV";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;
/// Bytes of one header slot.
pub const SLOT_BYTES: usize = 64;
/// Offsets of the two slots (in different 512-byte sectors).
pub const SLOTS: [usize; 2] = [0, 512];
/// Bytes read at open to find the header: the slots lie within them.
pub const HEADER_AREA: usize = 4096;

/// One decoded header slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub data_offset: u32,
    pub elem_size: u32,
    pub elem_align: u32,
    pub tag: u64,
    pub seq: u64,
    pub len: u64,
}

/// Why a slot was not valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotError {
    /// Not written by this library (or never written: all zeros).
    Magic,
    /// Written by an unknown format version.
    Version(u32),
    /// The checksum does not match: a torn or corrupt write.
    Checksum,
}

/// FNV-1a, 64 bits.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Header {
    /// The slot's bytes, checksum included.
    pub fn encode(&self) -> [u8; SLOT_BYTES] {
        let mut b = [0u8; SLOT_BYTES];
        b[0..8].copy_from_slice(&MAGIC);
        b[8..12].copy_from_slice(&VERSION.to_le_bytes());
        b[12..16].copy_from_slice(&self.data_offset.to_le_bytes());
        b[16..20].copy_from_slice(&self.elem_size.to_le_bytes());
        b[20..24].copy_from_slice(&self.elem_align.to_le_bytes());
        b[24..32].copy_from_slice(&self.tag.to_le_bytes());
        b[32..40].copy_from_slice(&self.seq.to_le_bytes());
        b[40..48].copy_from_slice(&self.len.to_le_bytes());
        let sum = fnv1a(&b[..56]);
        b[56..64].copy_from_slice(&sum.to_le_bytes());
        b
    }

    /// Decodes one slot.
    pub fn decode(b: &[u8; SLOT_BYTES]) -> Result<Header, SlotError> {
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u64_at = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(a)
        };
        if b[0..8] != MAGIC {
            return Err(SlotError::Magic);
        }
        if u64_at(56) != fnv1a(&b[..56]) {
            return Err(SlotError::Checksum);
        }
        let version = u32_at(8);
        if version != VERSION {
            return Err(SlotError::Version(version));
        }
        Ok(Header {
            data_offset: u32_at(12),
            elem_size: u32_at(16),
            elem_align: u32_at(20),
            tag: u64_at(24),
            seq: u64_at(32),
            len: u64_at(40),
        })
    }
}

/// The current header in a file's first [`HEADER_AREA`] bytes and the
/// index of its slot: the valid slot with the higher sequence number.
/// Otherwise the reason, the more telling of the two slots' (a bad checksum
/// or version over a missing magic).
pub fn current(area: &[u8]) -> Result<(Header, usize), SlotError> {
    let slot = |i: usize| {
        let mut b = [0u8; SLOT_BYTES];
        b.copy_from_slice(&area[SLOTS[i]..SLOTS[i] + SLOT_BYTES]);
        Header::decode(&b)
    };
    match (slot(0), slot(1)) {
        (Ok(a), Ok(b)) => Ok(if b.seq > a.seq { (b, 1) } else { (a, 0) }),
        (Ok(a), Err(_)) => Ok((a, 0)),
        (Err(_), Ok(b)) => Ok((b, 1)),
        (Err(SlotError::Magic), Err(e)) | (Err(e), Err(_)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(seq: u64) -> Header {
        Header {
            data_offset: 4096,
            elem_size: 8,
            elem_align: 8,
            tag: 7,
            seq,
            len: 42,
        }
    }

    fn area(a: Option<Header>, b: Option<Header>) -> Vec<u8> {
        let mut v = vec![0u8; HEADER_AREA];
        if let Some(a) = a {
            v[..SLOT_BYTES].copy_from_slice(&a.encode());
        }
        if let Some(b) = b {
            v[512..512 + SLOT_BYTES].copy_from_slice(&b.encode());
        }
        v
    }

    #[test]
    fn round_trip() {
        let h = sample(3);
        assert_eq!(Header::decode(&h.encode()), Ok(h));
    }

    #[test]
    fn every_flipped_bit_is_caught() {
        let h = sample(3).encode();
        for i in 8..SLOT_BYTES * 8 {
            let mut b = h;
            b[i / 8] ^= 1 << (i % 8);
            assert!(
                Header::decode(&b).is_err(),
                "bit {i} flipped went unnoticed"
            );
        }
    }

    #[test]
    fn newer_valid_slot_wins_and_a_torn_one_is_skipped() {
        assert_eq!(
            current(&area(Some(sample(1)), Some(sample(2)))).unwrap().1,
            1
        );
        assert_eq!(
            current(&area(Some(sample(4)), Some(sample(2)))).unwrap().1,
            0
        );
        let mut torn = area(Some(sample(1)), Some(sample(2)));
        torn[512 + 40] ^= 0xff; // the newer slot's length, half written
        assert_eq!(current(&torn).unwrap(), (sample(1), 0));
        assert_eq!(current(&area(None, None)), Err(SlotError::Magic));
        let mut both = area(Some(sample(1)), None);
        both[3] = b'x';
        both[512..520].copy_from_slice(&MAGIC);
        assert_eq!(current(&both), Err(SlotError::Checksum));
    }
}
