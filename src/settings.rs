//! What a container is configured with: [`Config`], what its builder (or
//! `new`) asked for, and [`Settings`], the same resolved once the element
//! size is known. Nothing here holds memory.

use crate::mapper_ref::MapperRef;
use crate::telemetry::{Kind, Label};
use std::time::Duration;

/// How a container sizes its reservation of address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Window {
    /// Reserve `first` bytes when the contents first move into a mapping;
    /// move to one twice as large when full.
    Growable { first: usize },
    /// Reserve `max` bytes once, at construction; addresses never change,
    /// and growing past it is an error.
    Fixed { max: usize },
}

/// Which kind of mapping a container on the OS mapper takes when its
/// contents move into one: see
/// [`Builder::guard`](crate::Builder::guard). Containers on any other
/// mapper use that mapper, whatever this says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Guard {
    /// Guarded while the process's guarded mappings hold less than the
    /// kernel-mapping budget ([`set_mapping_budget`](crate::set_mapping_budget)),
    /// unguarded past it; and when even that is refused for want of kernel
    /// mappings, the contents stay on the heap and grow there like a
    /// `Vec`'s. The default.
    #[default]
    Auto,
    /// Always guarded: past the budget, moving into a mapping is
    /// [`Error::MappingBudget`](crate::Error::MappingBudget), never a
    /// starved host.
    Always,
    /// Never guarded: one read-write mapping that merges with its
    /// neighbours, from the first.
    Never,
}

/// The bytes of contents a container keeps on the heap before it moves
/// them into a mapping (0: always mapped). At most `u32::MAX` bytes, so
/// that a container configured only by it carries it inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HeapLimit(u32);

impl HeapLimit {
    /// Every byte in a mapping from the first push.
    pub(crate) const NONE: HeapLimit = HeapLimit(0);

    /// A limit of `bytes`, clamped to `u32::MAX`.
    pub(crate) fn new(bytes: usize) -> Self {
        HeapLimit(u32::try_from(bytes).unwrap_or(u32::MAX))
    }

    #[inline]
    pub(crate) fn bytes(self) -> usize {
        self.0 as usize
    }
}

/// What a builder (or `new`) asked for, before any memory exists and
/// before the element size is known.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) mapper: MapperRef,
    pub(crate) label: Label,
    /// Bytes of the first window; `None`: the default.
    pub(crate) first_window: Option<usize>,
    /// Elements a fixed window must hold; `None`: a growable window.
    pub(crate) max_capacity: Option<usize>,
    pub(crate) decay: Option<Duration>,
    pub(crate) huge_pages: bool,
    /// `None`: the `N` initial pages.
    pub(crate) heap_limit: Option<HeapLimit>,
    pub(crate) guard: Guard,
}

impl Config {
    /// What `new(mapper)` asks for.
    pub(crate) fn new(mapper: MapperRef) -> Self {
        Config {
            mapper,
            label: Label::of(Kind::Vector),
            first_window: None,
            max_capacity: None,
            decay: None,
            huge_pages: false,
            heap_limit: None,
            guard: Guard::Auto,
        }
    }
}

/// A container's resolved configuration: owned by its storage, read by
/// its `Region` for every mapper call and event.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) mapper: MapperRef,
    pub(crate) label: Label,
    pub(crate) window: Window,
    /// How long sparse memory is held before it goes back (the decay
    /// option); never zero (a zero delay is no delay).
    pub(crate) decay: Option<Duration>,
    pub(crate) huge_pages: bool,
    /// 0 for a fixed window: its addresses never move, so it is always
    /// mapped. This is the one place that says so.
    pub(crate) heap_limit: HeapLimit,
    pub(crate) guard: Guard,
}

impl Settings {
    /// What `new(MAPPER)` gives a container of `kind`, but for the heap
    /// limit.
    pub(crate) fn light(kind: Kind, heap_limit: HeapLimit) -> Self {
        Settings {
            mapper: MapperRef::os(),
            label: Label::of(kind),
            window: Window::Growable {
                first: crate::policy::DEFAULT_WINDOW,
            },
            decay: None,
            huge_pages: false,
            heap_limit,
            guard: Guard::Auto,
        }
    }

    /// Resolves `config` with the window it was given in bytes (see
    /// [`Window`]) and the default heap limit, `default_heap_limit`.
    pub(crate) fn resolve(config: Config, window: Window, default_heap_limit: HeapLimit) -> Self {
        let heap_limit = match window {
            Window::Fixed { .. } => HeapLimit::NONE,
            Window::Growable { .. } => config.heap_limit.unwrap_or(default_heap_limit),
        };
        Settings {
            mapper: config.mapper,
            label: config.label,
            window,
            decay: config.decay.filter(|d| !d.is_zero()),
            huge_pages: config.huge_pages,
            heap_limit,
            guard: config.guard,
        }
    }

    /// The kind and heap limit, if these are [`light`](Self::light)
    /// settings: nothing but those two needs keeping.
    pub(crate) fn as_light(&self) -> Option<(Kind, HeapLimit)> {
        let light = self.mapper.is_os()
            && self.label.is_bare()
            && self.window
                == (Window::Growable {
                    first: crate::policy::DEFAULT_WINDOW,
                })
            && self.decay.is_none()
            && !self.huge_pages
            && self.guard == Guard::Auto;
        light.then_some((self.label.kind, self.heap_limit))
    }

    /// The same settings for a container of another kind.
    pub(crate) fn set_kind(&mut self, kind: Kind) {
        self.label.kind = kind;
    }
}
