//! A case read from a fuzzer's bytes: what the `fuzz/` target (libFuzzer,
//! through `cargo fuzz`) runs, so that a mutation of the bytes is a
//! mutation of the case.
//!
//! The first bytes choose the case, as [`Plan::case`](crate::Plan::case)
//! draws it from a seed: the container, the element type, `N`, the heap
//! limit (0, one page or two), the mapper's fault probabilities, remap
//! support, the window. Each step after that is a tag byte (the operation,
//! and the two scripted-fault flags) and the operation's arguments.
//! Positions and counts are read as fractions of the current length or of
//! a few pages of elements, so a short input reaches every state; no step
//! grows the container by more than four pages of elements (a resize or an
//! `extend_from_within` that doubled it would reach gigabytes in a few
//! dozen steps). The bytes run out into zeros, which decode to short,
//! harmless steps.

use crate::plan::Container;
use crate::{CaseConfig, Kind, Op, Probs, Step};
use mapped_mock::Mode;

/// The longest case read from one input, in steps.
pub const MAX_STEPS: usize = 256;

/// A reader of the fuzzer's bytes that yields zeros when they run out.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((&b, rest)) => {
                self.bytes = rest;
                b
            }
            None => 0,
        }
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n
    }

    /// `b / 255` of `whole`, rounded down: a fraction chosen by one byte.
    fn fraction(&mut self, whole: usize) -> usize {
        (usize::from(self.byte()) * whole) / 255
    }

    /// A probability from 0 to `max`.
    fn probability(&mut self, max: f64) -> f64 {
        f64::from(self.byte()) / 255.0 * max
    }

    /// An element value: two bytes, so equal values are common.
    fn value(&mut self) -> u64 {
        u64::from(self.byte()) << 8 | u64::from(self.byte())
    }
}

/// The case the first bytes of `data` choose, its element type and `N`,
/// and the source of its steps.
pub fn case(data: &[u8]) -> (CaseConfig, Kind, usize, StepSource<'_>) {
    let mut r = Reader { bytes: data };
    let header = r.byte();
    let container = [Container::Vector, Container::Queue][usize::from(header & 1)];
    let kind = Kind::ALL[usize::from(header >> 1) % Kind::ALL.len()];
    let n = [1, 2, 4][usize::from(header >> 3) % 3];
    let page = mapped_mock::os_mapper().get().page_size();
    let heap_limit = [0, page, 2 * page][usize::from(header >> 5) % 3];
    let remap = header & 0x80 == 0;
    let probs = Probs {
        deny_commits: r.probability(0.25),
        deny_reserves: r.probability(0.25),
        deny_remaps: r.probability(0.25),
        fail_decommits: r.probability(0.2),
    };
    let window = r.byte();
    let per_page = kind.per_page();
    let cfg = CaseConfig {
        // The mock's own random choices (which commit a probability
        // refuses) come from a seed the bytes choose too.
        seed: u64::from(r.byte()) << 8 | u64::from(r.byte()),
        mode: Mode::Poison,
        probs,
        remap,
        window_pages: usize::from(window % 8) + 1,
        max_pages: 0,
        ops: 0,
        flag_p: 0.0,
        lie_on_commit: 0.0,
        // One window in eight is fixed, of 1 to 32 pages of elements.
        fixed_capacity: (window >> 3 == 0).then(|| per_page * (usize::from(window % 32) + 1)),
        heap_limit,
        container,
        // The mock's seed chooses the kind of mapping too: one in four
        // unguarded, one in four on the heap mapper (all under Miri).
        unguarded: false,
        on_heap: false,
    };
    let cfg = CaseConfig {
        unguarded: cfg.seed % 4 == 0,
        on_heap: cfg!(miri) || cfg.seed % 4 == 1,
        ..cfg
    };
    let steps = StepSource {
        r,
        per_page,
        left: MAX_STEPS,
    };
    (cfg, kind, n, steps)
}

/// The steps of a case, read one at a time (a step's positions depend on
/// the length the steps before it left).
pub struct StepSource<'a> {
    r: Reader<'a>,
    per_page: usize,
    left: usize,
}

impl StepSource<'_> {
    /// The next step for a container of `len` elements, or `None` when the
    /// bytes (or [`MAX_STEPS`]) are used up.
    pub fn next(&mut self, len: usize) -> Option<Step> {
        if self.r.bytes.is_empty() || self.left == 0 {
            return None;
        }
        self.left -= 1;
        let tag = self.r.byte();
        let op = self.op(tag & 0x1F, len);
        Some(Step {
            op,
            deny_commit: tag & 0x20 != 0,
            fail_decommit: tag & 0x40 != 0,
        })
    }

    /// A bulk count: up to four pages of elements.
    fn bulk(&mut self) -> usize {
        self.r.fraction(4 * self.per_page)
    }

    /// A position in (or one past) `len` elements.
    fn index(&mut self, len: usize) -> usize {
        self.r.fraction(len)
    }

    fn op(&mut self, which: u8, len: usize) -> Op {
        let r = &mut self.r;
        match which {
            0 | 29..=31 => Op::Push(r.value()),
            1 => Op::PushMany {
                start: r.value(),
                count: self.bulk(),
            },
            2 => Op::Pop,
            3 => Op::PopMany(self.r.fraction(len + self.per_page)),
            4 => Op::Insert {
                index: self.index(len),
                value: self.r.value(),
            },
            5 => Op::Remove {
                index: self.index(len),
            },
            6 => Op::SwapRemove {
                index: self.index(len),
            },
            7 => Op::Truncate {
                len: self.index(len),
            },
            8 => Op::Clear,
            9 => Op::Retain {
                modulus: 2 + r.below(7) as u64,
                rem: r.below(8) as u64,
            },
            10 => {
                let start = self.index(len);
                let end = start + self.index(len - start);
                Op::Drain {
                    start,
                    end,
                    bounds: self.r.byte(),
                    front: self.r.below(9),
                    back: self.r.below(5),
                }
            }
            11 => Op::ExtendFromSlice {
                start: r.value(),
                count: self.bulk(),
            },
            12 => Op::Reserve {
                additional: self.bulk(),
            },
            13 => Op::ShrinkToFit,
            14 => Op::Append {
                start: r.value(),
                count: self.bulk(),
            },
            15 => Op::TryExtend {
                start: r.value(),
                count: self.bulk(),
            },
            16 => Op::Resize {
                len: self.r.fraction(len + 4 * self.per_page),
                value: self.r.value(),
            },
            17 => {
                let start = self.index(len);
                let end = start + self.r.fraction((len - start).min(4 * self.per_page));
                Op::ExtendFromWithin { start, end }
            }
            18 => Op::SplitOff {
                at: self.index(len),
            },
            19 => Op::DedupByKey {
                modulus: 1 + r.below(4) as u64,
            },
            20 => Op::RetainMut {
                modulus: 2 + r.below(7) as u64,
                rem: r.below(8) as u64,
            },
            21 => Op::Extend {
                start: r.value(),
                count: self.bulk(),
            },
            22 => Op::ReserveExact {
                additional: self.bulk(),
            },
            23 => Op::ShrinkTo {
                min: self.index(len),
            },
            24 => Op::Set {
                index: self.index(len),
                value: self.r.value(),
            },
            25 => Op::Swap {
                a: self.index(len),
                b: self.index(len),
            },
            26 => Op::Reverse,
            27 => Op::CloneEq,
            _ => Op::IntoVec,
        }
    }
}
