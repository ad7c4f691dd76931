//! Events as `tracing` spans (one per operation, nested as the calls nest)
//! and the events inside them: WARN for a failure, DEBUG when a grow or
//! shrink completes, TRACE when a mapper call does.

use super::names::TARGET;
use super::{Cause, Event, Op, Operation, Subject};
use tracing::{debug_span, Span};

#[allow(clippy::too_many_arguments)]
pub(super) fn span(who: Subject<'_>, what: Operation) -> Span {
    let Subject {
        label,
        mapper,
        guarded,
        holds,
    } = who;
    let Operation {
        op,
        bytes,
        to_bytes: to,
        cause,
    } = what;
    let from = holds.committed;
    let container = label.kind.as_str();
    let cause = cause.map(Cause::as_str);
    let name = label.name.as_deref();
    match op {
        Op::Reserve => {
            debug_span!(target: TARGET, "reserve", bytes, container, mapper, guarded, name)
        }
        Op::Commit => {
            debug_span!(target: TARGET, "commit", bytes, container, mapper, guarded, name)
        }
        Op::Decommit => {
            debug_span!(target: TARGET, "decommit", bytes, container, mapper, guarded, name)
        }
        Op::Release => {
            debug_span!(target: TARGET, "release", bytes, container, mapper, guarded, name)
        }
        Op::Populate => {
            debug_span!(target: TARGET, "populate", bytes, container, mapper, guarded, name)
        }
        Op::Remap => debug_span!(target: TARGET, "remap", bytes, container, mapper, guarded, name),
        Op::Park => debug_span!(target: TARGET, "park", bytes, container, mapper, guarded, name),
        Op::Reuse => debug_span!(target: TARGET, "reuse", bytes, container, mapper, guarded, name),
        Op::Flush => {
            debug_span!(target: TARGET, "flush", bytes, container, mapper, guarded, name, cause)
        }
        Op::Grow => {
            debug_span!(target: TARGET, "grow", bytes, container, mapper, guarded, name, from_bytes = from, to_bytes = to, cause)
        }
        Op::Shrink => {
            debug_span!(target: TARGET, "shrink", bytes, container, mapper, guarded, name, from_bytes = from, to_bytes = to, cause, parked = tracing::field::Empty)
        }
    }
}

/// A WARN that stands alone: at WARN level the spans around it are off,
/// so it carries their fields itself (`container`, `name`, `mapper`, `op`,
/// `bytes`), then the fields and message given.
macro_rules! standalone_warn {
    ($event:expr, $($fields_and_message:tt)*) => {{
        let event: &Event<'_> = $event;
        tracing::warn!(
            target: TARGET,
            container = event.container.as_str(),
            name = event.name,
            mapper = event.mapper,
            op = event.op.as_str(),
            bytes = event.bytes,
            $($fields_and_message)*
        )
    }};
}

pub(super) fn record(event: &Event<'_>) {
    let op = event.op.as_str();
    let micros = event.duration.as_micros() as u64;
    if let Some(error) = event.error {
        let injected = crate::failpoints::is_injected(error);
        if !event.op.is_mapper_call() {
            // The mapper call inside already warned: one failure, one WARN.
            tracing::debug!(target: TARGET, micros, "{op} failed: {error}");
            return;
        }
        standalone_warn!(
            event,
            error = %error,
            injected,
            "{op} of {} bytes failed: {error}",
            event.bytes
        );
        return;
    }
    match event.op {
        Op::Grow => tracing::debug!(
            target: TARGET,
            micros,
            "grew: committed {} -> {} bytes (reserved {})",
            event.from_bytes,
            event.to_bytes,
            event.reserved_to
        ),
        Op::Shrink if event.parked => tracing::debug!(
            target: TARGET,
            micros,
            parked = true,
            "shrank: committed {} -> {} bytes, parked in the reservation cache (still resident)",
            event.from_bytes,
            event.to_bytes
        ),
        Op::Shrink => tracing::debug!(
            target: TARGET,
            micros,
            "shrank: committed {} -> {} bytes, {} bytes back to the OS",
            event.from_bytes,
            event.to_bytes,
            event.from_bytes - event.to_bytes
        ),
        Op::Park => tracing::debug!(
            target: TARGET,
            parked = true,
            "parked: {} committed bytes kept in the reservation cache, still resident",
            event.from_bytes
        ),
        Op::Reuse => tracing::debug!(
            target: TARGET,
            "reused: {} committed bytes from the reservation cache",
            event.to_bytes
        ),
        Op::Flush => tracing::debug!(
            target: TARGET,
            micros,
            "flushed: {} bytes of elements and the length made durable",
            event.bytes
        ),
        _ => tracing::trace!(target: TARGET, micros, "{op} ok"),
    }
}

/// A WARN for a mapper call slower than the slow-call threshold, standing
/// alone as a failure's does.
pub(super) fn slow_call(event: &Event<'_>) {
    let op = event.op.as_str();
    let micros = event.duration.as_micros() as u64;
    standalone_warn!(
        event,
        micros,
        slow = true,
        "slow {op} of {} bytes: {micros} us",
        event.bytes
    );
}
