//! The seeded random walk that draws steps.

use crate::{Op, Step};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The seeded generator of steps: a random walk in length that drifts up
/// and down in phases, so containers grow across many pages, shrink (pages are
/// decommitted) and grow again (pages are recommitted), and move windows.
pub struct Generator {
    rng: StdRng,
    growing: bool,
    /// Elements per page (at least 1).
    per_page: usize,
    /// The length above which only shrinking steps are generated.
    max_len: usize,
    /// Probability of each scripted fault flag.
    flag_p: f64,
    /// The values drawn are below this: 2^24, or 16 in one case of four,
    /// so that many elements are equal (a queue must then neither lose nor
    /// duplicate any of them).
    values: u64,
}

impl Generator {
    pub fn new(seed: u64, per_page: usize, max_len: usize, flag_p: f64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let values = if rng.random_ratio(1, 4) { 16 } else { 1 << 24 };
        Generator {
            rng,
            growing: true,
            per_page: per_page.max(1),
            max_len: max_len.max(1),
            flag_p,
            values,
        }
    }

    /// A bulk count: up to a few pages' worth.
    fn bulk(&mut self) -> usize {
        let pages = self.rng.random_range(1..=4);
        self.rng.random_range(1..=self.per_page * pages)
    }

    /// The next step for a container of `len` elements.
    pub fn next(&mut self, len: usize) -> Step {
        if self.rng.random_ratio(1, 16) {
            self.growing = !self.growing;
        }
        if len >= self.max_len {
            self.growing = false;
        }
        if len == 0 {
            self.growing = true;
        }
        let r = &mut self.rng;
        let v: u64 = r.random_range(0..self.values);
        let any = |r: &mut StdRng| r.random_range(0..=usize::MAX / 2);
        // Weights: growth steps are heavier while growing, shrinking ones
        // while shrinking.
        let (g, s) = if self.growing { (3, 1) } else { (1, 3) };
        let table: [(u32, u8); 29] = [
            (8 * g, 0),  // push
            (3 * g, 1),  // push many
            (5 * s, 2),  // pop
            (2 * s, 3),  // pop many
            (3 * g, 4),  // insert
            (2 * s, 5),  // remove
            (2 * s, 6),  // swap_remove
            (2 * s, 7),  // truncate
            (1, 8),      // clear
            (2 * s, 9),  // retain
            (3 * s, 10), // drain
            (2 * g, 11), // extend_from_slice
            (2 * g, 12), // reserve
            (2, 13),     // shrink_to_fit
            (g, 14),     // append
            (g, 15),     // try_extend
            (2, 16),     // resize
            (g, 17),     // extend_from_within
            (s, 18),     // split_off
            (s, 19),     // dedup_by_key
            (s, 20),     // retain_mut
            (g, 21),     // extend
            (g, 22),     // reserve_exact
            (s, 23),     // shrink_to
            (2, 24),     // set
            (1, 25),     // swap
            (1, 26),     // reverse
            (1, 27),     // clone and try_clone
            (1, 28),     // into_vec and back
        ];
        let total: u32 = table.iter().map(|t| t.0).sum();
        let mut pick = r.random_range(0..total);
        let mut which = 0;
        for &(w, k) in &table {
            if pick < w {
                which = k;
                break;
            }
            pick -= w;
        }
        let op = match which {
            0 => Op::Push(v),
            1 => Op::PushMany {
                start: v,
                count: self.bulk(),
            },
            2 => Op::Pop,
            3 => {
                // Often most of the container: big shrinks decommit many pages.
                let count = if self.rng.random_bool(0.5) {
                    self.rng.random_range(0..=len)
                } else {
                    self.bulk()
                };
                Op::PopMany(count)
            }
            4 => Op::Insert {
                index: any(r),
                value: v,
            },
            5 => Op::Remove { index: any(r) },
            6 => Op::SwapRemove { index: any(r) },
            7 => Op::Truncate {
                // Mostly a real cut: to a fraction of the length.
                len: match r.random_range(0..4) {
                    0 => 0,
                    1 => len / 8,
                    2 => len / 2,
                    _ => any(r),
                },
            },
            8 => Op::Clear,
            9 => Op::Retain {
                modulus: r.random_range(2..=8),
                rem: r.random_range(0..8),
            },
            10 => {
                let start = r.random_range(0..=len);
                let end = r.random_range(start..=len);
                Op::Drain {
                    start,
                    end,
                    bounds: r.random_range(0..6),
                    front: r.random_range(0..=(end - start).min(8)),
                    back: r.random_range(0..=4),
                }
            }
            11 => Op::ExtendFromSlice {
                start: v,
                count: self.bulk(),
            },
            12 => Op::Reserve {
                additional: match self.rng.random_range(0..3) {
                    0 => self.rng.random_range(0..=16),
                    1 => self.bulk(),
                    _ => len + self.bulk(),
                },
            },
            13 => Op::ShrinkToFit,
            14 => Op::Append {
                start: v,
                count: self.bulk(),
            },
            15 => Op::TryExtend {
                start: v,
                count: self.bulk(),
            },
            16 => Op::Resize {
                len: if self.growing {
                    len + self.bulk()
                } else {
                    self.rng.random_range(0..=len)
                },
                value: v,
            },
            17 => Op::ExtendFromWithin {
                start: any(r),
                end: any(r),
            },
            18 => Op::SplitOff { at: any(r) },
            19 => Op::DedupByKey {
                modulus: r.random_range(1..=4),
            },
            20 => Op::RetainMut {
                modulus: r.random_range(2..=8),
                rem: r.random_range(0..8),
            },
            21 => Op::Extend {
                start: v,
                count: self.bulk(),
            },
            22 => Op::ReserveExact {
                additional: self.bulk(),
            },
            23 => Op::ShrinkTo {
                min: r.random_range(0..=len),
            },
            24 => Op::Set {
                index: any(r),
                value: v,
            },
            25 => Op::Swap {
                a: any(r),
                b: any(r),
            },
            26 => Op::Reverse,
            27 => Op::CloneEq,
            _ => Op::IntoVec,
        };
        let deny_commit = self.rng.random_bool(self.flag_p);
        let fail_decommit = self.rng.random_bool(self.flag_p / 2.0);
        Step {
            op,
            deny_commit,
            fail_decommit,
        }
    }
}
