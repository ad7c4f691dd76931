//! Growth: more room on the heap, the move from the heap into a mapping,
//! and more committed pages in a mapping.

use super::{heap, Growth, Holding, RawStore, Shape, State, Writes};
use crate::error::Error;
use crate::op::Cause;
use crate::policy;
use crate::region::{self, Region};
use crate::settings::{Guard, Settings, Window};
use crate::telemetry::{self, Fallback};
use std::panic::Location;
use std::ptr;

impl RawStore {
    /// Readies slot `len` for a `push` (called when `len >= write_below`):
    /// when full, grows (populating ahead); mapped and not full, populates
    /// the next stretch of committed pages ahead of the pushes.
    ///
    /// `site` is the caller's source location, for the inventory if this
    /// push moves the contents into a mapping.
    #[cold]
    #[inline(never)]
    pub(crate) fn prepare_push(
        &mut self,
        shape: Shape,
        len: usize,
        site: &'static Location<'static>,
    ) -> Result<(), Error> {
        // The common case of a small container, first and with nothing
        // else in the way: a light store that is full and doubles on the
        // heap, as a `Vec` does.
        // (Zero-sized elements are never full but at `usize::MAX`.)
        let light = match self.state {
            State::Light(light) if !shape.is_zst() => Some(light),
            _ => None,
        };
        if let Some(mut light) = light {
            let (cap, limit) = (light.cap as usize, light.heap_limit.bytes());
            if let Some(to) = policy::heap_grow_capacity(cap, len + 1, limit, shape.size) {
                // SAFETY: `ptr` is our allocation of `cap` elements (or `cap`
                // is 0); the resize keeps the `len <= cap` live ones.
                self.ptr = unsafe {
                    heap::resize(
                        self.ptr,
                        cap * shape.size,
                        to * shape.size,
                        shape.align,
                        light.kind,
                    )?
                };
                // Its bytes are under the heap limit, a `u32`.
                light.cap = to as u32;
                self.state = State::Light(light);
                self.set_fast_paths(to, 0, to);
                return Ok(());
            }
        }
        // On the heap `write_below` is the capacity: there, being asked
        // means being full.
        if !self.is_mapped() || len == self.capacity(shape) {
            return self.grow(shape, len, 1, Growth::Amortized(Writes::Ahead), site);
        }
        if let Some(full) = self.state.full_mut() {
            if let Holding::Mapped(region) = &mut full.holding {
                let from = len * shape.size;
                region.prepare_writes(&full.settings, from, from + populate_ahead(shape));
            }
        }
        self.refresh(shape);
        Ok(())
    }

    /// Makes room for `additional` more elements after `len`, as `growth`
    /// says: doubling, or exactly; on the heap while they fit under the
    /// heap limit, else in a mapping.
    #[cold]
    #[inline(never)]
    pub(crate) fn grow(
        &mut self,
        shape: Shape,
        len: usize,
        additional: usize,
        growth: Growth,
        site: &'static Location<'static>,
    ) -> Result<(), Error> {
        if shape.is_zst() {
            // The capacity is `usize::MAX`: asking for more overflows.
            return Err(Error::CapacityOverflow);
        }
        let needed = shape.bytes_for(len, additional)?;
        // `needed` did not overflow, so neither does this.
        let count = len + additional;
        let (initial, page) = (self.initial_bytes(shape), self.page_size());
        let (to, writes) = match growth {
            Growth::Exact
                if !self.is_mapped() && policy::fits_on_heap(needed, self.heap_limit()) =>
            {
                return self.resize_heap(shape, len, count);
            }
            Growth::Exact => (policy::exact_target(needed, initial, page), Writes::None),
            Growth::Amortized(writes) => {
                let from = match self.region() {
                    Some(region) => region.committed(),
                    None => {
                        let (capacity, limit) = (self.heap_capacity(), self.heap_limit());
                        if let Some(to) =
                            policy::heap_grow_capacity(capacity, count, limit, shape.size)
                        {
                            return self.resize_heap(shape, len, to);
                        }
                        capacity * shape.size
                    }
                };
                (policy::grow_target(from, needed, initial, page), writes)
            }
        };
        let to = to.ok_or(Error::AddressSpace { needed })?;
        self.commit_up_to(shape, len, to, needed, writes, site)
    }

    /// Resizes the heap allocation to `capacity` elements (at least the
    /// `len` live ones), freeing it at 0.
    pub(super) fn resize_heap(
        &mut self,
        shape: Shape,
        len: usize,
        capacity: usize,
    ) -> Result<(), Error> {
        debug_assert!(!self.is_mapped() && capacity >= len && !shape.is_zst());
        let (old, new, kind) = (self.heap_bytes(), capacity * shape.size, self.kind());
        if new == 0 {
            // SAFETY: the allocation holds `old` bytes, no live element
            // (`len` is 0).
            unsafe { heap::free(self.ptr, old, shape.align, kind) };
            self.ptr = shape.dangling();
        } else {
            // SAFETY: `ptr` is our allocation of `old` bytes (or `old` is
            // 0); the `len <= capacity` live elements are kept by the
            // resize.
            self.ptr = unsafe { heap::resize(self.ptr, old, new, shape.align, kind)? };
        }
        self.set_heap_capacity(capacity);
        Ok(())
    }

    /// Commits up to `to` bytes (at least `needed`), reserving or moving the
    /// window as the window policy says; on the heap, moves the `len`
    /// elements into the new mapping. A refusal leaves the elements where
    /// they were, intact.
    fn commit_up_to(
        &mut self,
        shape: Shape,
        len: usize,
        to: usize,
        needed: usize,
        writes: Writes,
        site: &'static Location<'static>,
    ) -> Result<(), Error> {
        shape.check_alignment(self.page_size())?;
        let live = len * shape.size;
        let write_to = match writes {
            Writes::None => 0,
            Writes::Needed => needed,
            Writes::Ahead => live.saturating_add(populate_ahead(shape)),
        };
        let initial = self.initial_bytes(shape);
        let heap_ptr = self.ptr;
        let full = self.full_mut()?;
        let grown = match &mut full.holding {
            Holding::Mapped(region) => {
                let window = window_for(&full.settings, region, to, needed)?;
                let to = to.min(window);
                let cause = match writes {
                    Writes::None => Cause::Reserve,
                    Writes::Needed | Writes::Ahead => Cause::Full,
                };
                region.grow(&full.settings, to, window, live, write_to, cause)
            }
            &mut Holding::Heap { cap } => {
                // Where the OS maps nothing, the OS mapper is never asked.
                let mapped = (!full.settings.mapper.is_os() || crate::os::HAS_MAPPINGS)
                    .then(|| map_from_heap(&full.settings, to, needed, write_to));
                match mapped {
                    None => match full.settings.window {
                        // A fixed window holds what it reserved (nothing, if
                        // it was built at all here), never a heap's worth.
                        Window::Fixed { max } => return Err(Error::WindowFull { needed, max }),
                        Window::Growable { .. } => {
                            return self.grow_on_heap(shape, len, cap, needed, Fallback::NoMappings)
                        }
                    },
                    Some(Ok(region)) => {
                        // SAFETY: the mapping's committed prefix holds at
                        // least the `len` live elements (`to >= needed >
                        // live`); heap and mapping never overlap. The heap
                        // allocation then holds no live element and is
                        // freed once.
                        unsafe {
                            let base = region.base().as_ptr();
                            ptr::copy_nonoverlapping(heap_ptr.as_ptr(), base, live);
                            let bytes = cap * full.size;
                            heap::free(heap_ptr, bytes, full.align, full.settings.label.kind);
                        }
                        full.holding = Holding::Mapped(region);
                        full.register(site);
                        Ok(())
                    }
                    Some(Err(e)) if out_of_kernel_mappings(&full.settings, &e) => {
                        // Try a mapping again at the next doubling; a
                        // refused allocation here says the mapping's error.
                        return self
                            .grow_on_heap(shape, len, cap, needed, Fallback::KernelMappings)
                            .map_err(|_| e);
                    }
                    Some(Err(e)) => Err(e),
                }
            }
        };
        let State::Full(full) = &mut self.state else {
            unreachable!("made full above");
        };
        // In use again, unless a reservation reused from the cache came with
        // far more than asked for: then the surplus is unused from now on,
        // and decays like any other.
        if grown.is_ok() && full.settings.decay.is_some() {
            if let Holding::Mapped(region) = &full.holding {
                if policy::should_shrink(needed, region.committed(), initial) {
                    full.decay.start_unless_running();
                } else {
                    full.decay.reset();
                }
            }
        }
        // Still on the heap after a refusal, exactly as before: light again
        // if it was. Even a failed grow may have moved the window,
        // populated or not.
        self.settle();
        self.refresh(shape);
        grown
    }
}

impl RawStore {
    /// Grows the heap allocation of `cap` elements past the heap limit to
    /// hold `needed` bytes, as a `Vec` would (doubling), for `reason`.
    fn grow_on_heap(
        &mut self,
        shape: Shape,
        len: usize,
        cap: usize,
        needed: usize,
        reason: Fallback,
    ) -> Result<(), Error> {
        let count = needed / shape.size;
        let doubled = cap.saturating_mul(policy::GROWTH_FACTOR).max(count);
        self.resize_heap(shape, len, doubled)?;
        telemetry::heap_fallback(self.kind(), doubled * shape.size, reason);
        // On the heap with `new(MAPPER)`'s settings: light again.
        self.settle();
        Ok(())
    }
}

/// The window a mapped `region` grows in to commit `to` bytes, of which
/// `needed` are needed: a fixed window's, the current one while it holds
/// `to`, else twice as large (a guarded mapping's address space is
/// free) or just `to` (an unguarded mapping's bytes count toward
/// `RLIMIT_DATA` and the commit charge, so it stays close to its
/// committed bytes).
fn window_for(
    settings: &Settings,
    region: &Region,
    to: usize,
    needed: usize,
) -> Result<usize, Error> {
    let reserved = region.reserved();
    match settings.window {
        Window::Fixed { max } if needed > max => Err(Error::WindowFull { needed, max }),
        Window::Fixed { max } => Ok(max),
        Window::Growable { .. } if to <= reserved => Ok(reserved),
        Window::Growable { .. } if !region.is_guarded() => Ok(to),
        Window::Growable { first } => {
            policy::window_target(reserved, to, first, settings.mapper.page_size())
                .ok_or(Error::AddressSpace { needed: to })
        }
    }
}

/// A new mapping holding `to` committed bytes (`needed` of them needed),
/// for contents moving from the heap; `write_to` bytes of it are about to
/// be written. Of the kind the settings choose (see [`Guard`]): a guarded
/// one first while the budget allows, and for [`Guard::Auto`] an
/// unguarded one after a guarded one is refused for want of memory or of
/// kernel mappings.
fn map_from_heap(
    settings: &Settings,
    to: usize,
    needed: usize,
    write_to: usize,
) -> Result<Region, Error> {
    let os = settings.mapper.is_os();
    let guarded_first = !os
        || match settings.guard {
            Guard::Never => false,
            Guard::Always if !region::budget_has_room() => {
                return Err(Error::MappingBudget {
                    held: region::guarded_held(),
                    budget: crate::mapping_budget(),
                })
            }
            Guard::Always => true,
            Guard::Auto => region::budget_has_room(),
        };
    if guarded_first {
        let mut region = Region::new();
        let window = window_for(settings, &region, to, needed)?;
        match region.grow(
            settings,
            to.min(window),
            window,
            0,
            write_to,
            Cause::HeapToMapping,
        ) {
            Ok(()) => return Ok(region),
            Err(e) if out_of_kernel_mappings(settings, &e) => {}
            Err(e) => return Err(e),
        }
    }
    let mut region = Region::new_unguarded();
    let window = window_for(settings, &region, to, needed)?;
    region.grow(
        settings,
        to.min(window),
        window,
        0,
        write_to,
        Cause::HeapToMapping,
    )?;
    Ok(region)
}

/// Whether `error`, from moving into a mapping, may mean the process is
/// out of kernel mappings (the OS says `ENOMEM` for that and for memory
/// alike), for a container that then tries the unguarded kind after a
/// refused guarded one, and the heap after a refused unguarded one, rather
/// than fail where a `Vec` would not: one on the OS mapper, choosing its
/// kind automatically, and not a failure a failpoint injected (those test
/// the refusal itself).
fn out_of_kernel_mappings(settings: &Settings, error: &Error) -> bool {
    settings.mapper.is_os() && settings.guard == Guard::Auto && is_real_enomem(error)
}

/// An `ENOMEM` from the OS itself, not a failpoint's.
fn is_real_enomem(error: &Error) -> bool {
    error
        .os_error()
        .is_some_and(|e| crate::os::is_enomem(e) && crate::failpoints::Injected::of(e).is_none())
}

/// Bytes faulted in at a time ahead of elements pushed one by one.
fn populate_ahead(shape: Shape) -> usize {
    shape.size.max(policy::POPULATE_AHEAD)
}
