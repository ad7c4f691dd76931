//! [`MapperRef`]: the handle containers keep to their mapper.

use crate::mapper::Mapper;
use crate::os::{self, OsMapper};
use std::any::TypeId;
use std::sync::Arc;

/// How a container holds its mapper: a `&'static` one (such as
/// [`MAPPER`](crate::MAPPER)) or a shared [`Arc`].
///
/// Containers accept anything that converts into it: `MAPPER`, any
/// `&'static M` and any `Arc<M>` where `M: Mapper`.
#[derive(Clone)]
pub struct MapperRef(Inner);

#[derive(Clone)]
enum Inner {
    /// The OS mapper, however it was passed: stateless, so reservations it
    /// made may outlive their container (in the reservation cache).
    Os,
    Static(&'static dyn Mapper),
    Shared(Arc<dyn Mapper>),
}

// Unwind safety: a container holding a mapper is as unwind safe as a
// `Vec` (issue 22), whatever the mapper. A `Mapper` is `Send + Sync` and
// called only through `&self`; every call's result is checked, and the
// container's invariants (its length, its committed prefix) change only
// after a call has returned successfully, never on the mapper's word
// alone. A mapper left inconsistent by a panic inside one of its own
// calls can make later calls fail, which containers already handle; it
// cannot make a container see a broken invariant of its own.
impl std::panic::UnwindSafe for MapperRef {}
impl std::panic::RefUnwindSafe for MapperRef {}

static OS_MAPPER: OsMapper = OsMapper;

impl MapperRef {
    /// The mapper itself.
    #[inline]
    pub fn get(&self) -> &dyn Mapper {
        match &self.0 {
            Inner::Os => &OS_MAPPER,
            Inner::Static(m) => *m,
            Inner::Shared(m) => &**m,
        }
    }

    /// The mapper's page size: the one source of it for a container (the
    /// OS mapper's is read from the system once).
    #[inline]
    pub(crate) fn page_size(&self) -> usize {
        match &self.0 {
            Inner::Os => os::page_size(),
            _ => self.get().page_size(),
        }
    }

    /// The OS mapper.
    #[inline]
    pub(crate) const fn os() -> Self {
        MapperRef(Inner::Os)
    }

    /// Whether this is the OS mapper, whose released reservations the
    /// process-wide cache may keep for the next container.
    #[inline]
    pub(crate) fn is_os(&self) -> bool {
        matches!(self.0, Inner::Os)
    }

    fn is_os_type<M: 'static>() -> bool {
        TypeId::of::<M>() == TypeId::of::<OsMapper>()
    }
}

impl From<OsMapper> for MapperRef {
    #[inline]
    fn from(_: OsMapper) -> Self {
        MapperRef::os()
    }
}

impl std::fmt::Debug for MapperRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("MapperRef")
            .field(&self.get().name())
            .finish()
    }
}

impl<M: Mapper + 'static> From<&'static M> for MapperRef {
    fn from(mapper: &'static M) -> Self {
        if Self::is_os_type::<M>() {
            return MapperRef(Inner::Os);
        }
        MapperRef(Inner::Static(mapper))
    }
}

impl<M: Mapper + 'static> From<Arc<M>> for MapperRef {
    fn from(mapper: Arc<M>) -> Self {
        if Self::is_os_type::<M>() {
            return MapperRef(Inner::Os);
        }
        MapperRef(Inner::Shared(mapper))
    }
}

impl From<Arc<dyn Mapper>> for MapperRef {
    fn from(mapper: Arc<dyn Mapper>) -> Self {
        MapperRef(Inner::Shared(mapper))
    }
}

impl From<&'static dyn Mapper> for MapperRef {
    fn from(mapper: &'static dyn Mapper) -> Self {
        MapperRef(Inner::Static(mapper))
    }
}
