//! `MappedBytes`, and `BufMut` for `MappedVector<u8>` (cargo feature
//! `bytes`): the `Buf`/`BufMut` contracts, a model test against
//! `BytesMut`, refused memory under the mock, the hand-over to `Bytes`,
//! memory going back as the buffer is consumed, telemetry, and an echo
//! over a real loopback socket with tokio.
//!
//! Tests that assert memory or events of buffers on `MAPPER` isolate
//! themselves (`mapped_testkit::isolate`); the rest run on mappers of
//! their own (`FaultyMapper`), which the reservation cache never serves.
#![cfg(feature = "bytes")]

use bytes::{Buf, BufMut, Bytes, BytesMut};
use mapped::{Kind, MappedBytes, MappedVector, Op, Storage, MAPPER};
use mapped_mock::FaultyMapper;
use mapped_testkit::{case_seed, env_cases, isolate, master_seed, Recording, SeedOnFailure};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

/// `len` bytes that differ from one call to the next (`salt`).
fn pattern(len: usize, salt: u64) -> Vec<u8> {
    (0..len)
        .map(|i| {
            (i as u64)
                .wrapping_mul(31)
                .wrapping_add(salt.wrapping_mul(7)) as u8
        })
        .collect()
}

/// A panic's message.
fn message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

// ---- the BufMut and Buf contracts ----

/// `chunk_mut` is never empty while `remaining_mut > 0`, and always empty
/// when it is 0, through a fixed window filled up, consumed and refilled.
#[test]
fn chunk_mut_is_empty_only_when_nothing_remains() {
    let mock = FaultyMapper::builder().poison(true).build_arc();
    let window = 64 * KIB;
    let mut buf = MappedBytes::builder(mock.clone())
        .max_capacity(window)
        .build()
        .unwrap();
    let mut v: MappedVector<u8> = MappedVector::builder(mock.clone())
        .max_capacity(window)
        .build()
        .unwrap();
    let mut written = 0u64;
    for round in 0..3 {
        while buf.remaining_mut() > 0 {
            let chunk = buf.chunk_mut();
            assert!(
                chunk.len() > 0,
                "round {round}: {} remain",
                buf.remaining_mut()
            );
            let n = chunk.len().min(1000);
            for i in 0..n {
                chunk.write_byte(i, (written + i as u64) as u8);
            }
            // SAFETY: the first `n` bytes of the chunk were just written.
            unsafe { buf.advance_mut(n) };
            written += n as u64;
        }
        assert_eq!(buf.len(), window);
        assert_eq!(buf.chunk_mut().len(), 0);
        // Consumed bytes make room again, in the same window.
        buf.advance(window / 3);
        assert_eq!(buf.remaining_mut(), window / 3);
        assert!(buf.chunk_mut().len() > 0);
    }
    let expected: Vec<u8> = (written - buf.len() as u64..written)
        .map(|i| i as u8)
        .collect();
    assert_eq!(&buf[..], &expected[..]);

    while v.remaining_mut() > 0 {
        let chunk = v.chunk_mut();
        assert!(chunk.len() > 0);
        let n = chunk.len();
        for i in 0..n {
            chunk.write_byte(i, 9);
        }
        // SAFETY: all `n` bytes were just written.
        unsafe { v.advance_mut(n) };
    }
    assert_eq!(v.len(), window);
    assert_eq!(v.chunk_mut().len(), 0);
    assert!(v.iter().all(|&b| b == 9));
    mock.assert_clean();
}

/// `advance_mut` past what `chunk_mut` holds panics, and changes nothing.
#[test]
fn advance_mut_past_the_chunk_panics() {
    let mut buf = MappedBytes::new(MAPPER);
    buf.put_slice(b"abc");
    let room = buf.chunk_mut().len();
    // SAFETY: it panics before counting anything (which is what is tested).
    let panic = catch_unwind(AssertUnwindSafe(|| unsafe { buf.advance_mut(room + 1) }));
    assert!(message(&*panic.unwrap_err()).contains("advance out of bounds"));
    assert_eq!(&buf[..], b"abc");
    // SAFETY: advancing by 0 counts nothing.
    unsafe { buf.advance_mut(0) };

    let mut v: MappedVector<u8> = MappedVector::new(MAPPER);
    v.put_slice(b"abc");
    let room = v.chunk_mut().len();
    // SAFETY: as above.
    let panic = catch_unwind(AssertUnwindSafe(|| unsafe { v.advance_mut(room + 1) }));
    assert!(message(&*panic.unwrap_err()).contains("advance out of bounds"));
    assert_eq!(&v[..], b"abc");
}

/// `remaining`, `chunk` and `advance` agree, and `advance` past
/// `remaining` panics.
#[test]
fn remaining_chunk_and_advance_agree() {
    let mock = FaultyMapper::builder().poison(true).build_arc();
    let mut buf = MappedBytes::new(mock.clone());
    let data = pattern(300 * KIB, 1);
    buf.put_slice(&data);
    let mut at = 0;
    for step in [0, 1, 7, 4096, 100 * KIB, 150 * KIB, 40 * KIB] {
        assert_eq!(buf.remaining(), data.len() - at);
        assert_eq!(buf.chunk().len(), buf.remaining(), "one contiguous chunk");
        assert_eq!(buf.chunk(), &data[at..]);
        assert_eq!(buf.chunk(), &buf[..]);
        buf.advance(step);
        at += step;
    }
    let left = buf.remaining();
    let panic = catch_unwind(AssertUnwindSafe(|| buf.advance(left + 1)));
    assert!(message(&*panic.unwrap_err()).contains("cannot advance past `remaining`"));
    assert_eq!(buf.chunk(), &data[at..]);
    buf.advance(left);
    assert!(!buf.has_remaining());
    assert_eq!(buf.chunk(), b"");
    mock.assert_clean();
}

/// The vector's `BufMut` appends as `Vec<u8>`'s does.
#[test]
fn a_vector_is_buf_mut() {
    let mock = FaultyMapper::builder().poison(true).build_arc();
    let mut v: MappedVector<u8> = MappedVector::new(mock.clone());
    let mut model: Vec<u8> = Vec::new();
    let big = pattern(200 * KIB, 2);
    v.put_u32(0xDEAD_BEEF);
    model.put_u32(0xDEAD_BEEF);
    v.put_bytes(5, 10_000);
    model.put_bytes(5, 10_000);
    v.put(&big[..]);
    model.put(&big[..]);
    v.put(Buf::chain(&b"chain"[..], &b"ed"[..]));
    model.put(Buf::chain(&b"chain"[..], &b"ed"[..]));
    v.put_slice(&big[..1000]);
    model.put_slice(&big[..1000]);
    assert_eq!(&v[..], &model[..]);
    assert!(mock.check_committed(v.as_ptr(), v.len()));
    assert_eq!(v.remaining_mut(), isize::MAX as usize - v.len());
    mock.assert_clean();
}

// ---- a model test against BytesMut ----

/// Random interleavings of puts, reads (through `chunk_mut` and
/// `advance_mut`, and through tokio's `read_buf`), advances, splits,
/// reserves and freezes, on `MappedBytes` and on `BytesMut` (the oracle:
/// it never calls the code under test, and only takes the bytes a read
/// delivered). After every step the unread bytes agree, and on the mock
/// they lie in committed pages. Seeded from `MAPPED_SEED`.
#[test]
fn model_against_bytes_mut() {
    let master = master_seed();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for case in 0..env_cases(24) {
        let seed = case_seed(master, case);
        let _replay = SeedOnFailure::new("model_against_bytes_mut", seed);
        let mock = FaultyMapper::builder().poison(true).seed(seed).build_arc();
        let buf = match case % 3 {
            0 => MappedBytes::new(MAPPER),
            1 => MappedBytes::new(mock.clone()),
            _ => MappedBytes::builder(mock.clone())
                .heap_limit(0)
                .build()
                .unwrap(),
        };
        run_model(seed, buf, &mock, &runtime);
        mock.assert_clean();
        assert_eq!(
            mock.live_reservations(),
            0,
            "every buffer gave its memory back"
        );
    }
}

/// One case of [`model_against_bytes_mut`].
fn run_model(
    seed: u64,
    mut buf: MappedBytes,
    mock: &Arc<FaultyMapper>,
    rt: &tokio::runtime::Runtime,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut model = BytesMut::new();
    // Frozen and split-off bytes are kept a while, to check they stay
    // intact while the buffer goes on.
    let mut kept: Vec<(Bytes, Bytes)> = Vec::new();
    for step in 0..400 {
        // Mostly small, now and then past the heap limit and a few pages.
        let size = match rng.random_range(0..10) {
            0 => rng.random_range(0..300 * KIB),
            1..=3 => rng.random_range(0..8 * KIB),
            _ => rng.random_range(0..200),
        };
        let len = buf.len();
        match rng.random_range(0..13) {
            0 | 1 => {
                let data = pattern(size, rng.random());
                buf.put_slice(&data);
                model.put_slice(&data);
            }
            2 => {
                // A read, as tokio's `read_buf` makes it: into `chunk_mut`.
                let chunk = buf.chunk_mut();
                assert!(chunk.len() > 0);
                let n = chunk.len().min(size.max(1));
                let data = pattern(n, rng.random());
                chunk[..n].copy_from_slice(&data);
                // SAFETY: the first `n` bytes of the chunk were just written.
                unsafe { buf.advance_mut(n) };
                model.put_slice(&data);
            }
            3 => {
                let data = pattern(size, rng.random());
                let n = rt.block_on(async { (&data[..]).read_buf(&mut buf).await.unwrap() });
                assert!(n > 0 || data.is_empty());
                model.put_slice(&data[..n]);
            }
            4 => {
                let (value, count) = (rng.random(), size);
                buf.put_bytes(value, count);
                model.put_bytes(value, count);
            }
            5 | 6 => {
                let n = rng.random_range(0..=len);
                buf.advance(n);
                model.advance(n);
            }
            7 | 8 => {
                let n = if rng.random_bool(0.3) {
                    len
                } else {
                    rng.random_range(0..=len)
                };
                let frame = buf.split_to(n);
                let expected = model.split_to(n).freeze();
                assert_eq!(frame, expected, "step {step}: split_to({n})");
                kept.push((frame, expected));
            }
            9 if len >= 4 => assert_eq!(buf.get_u32(), model.get_u32()),
            9 => {
                buf.put_u8(size as u8);
                model.put_u8(size as u8);
            }
            10 => {
                buf.try_reserve(size).unwrap();
                assert!(buf.capacity() - buf.len() >= size, "step {step}");
            }
            11 if rng.random_bool(0.5) => {
                let n = rng.random_range(0..=len);
                buf.truncate(n);
                model.truncate(n);
            }
            11 => {
                buf.clear();
                model.clear();
            }
            _ => {
                let again = match rng.random_range(0..3) {
                    0 => MappedBytes::new(MAPPER),
                    _ => MappedBytes::new(mock.clone()),
                };
                let frozen = std::mem::replace(&mut buf, again).freeze();
                let expected = std::mem::take(&mut model).freeze();
                assert_eq!(frozen, expected, "step {step}: freeze");
                kept.push((frozen, expected));
            }
        }
        assert_eq!(buf.len(), model.len(), "step {step}");
        assert_eq!(&buf[..], &model[..], "step {step}");
        assert_eq!(buf.chunk(), &model[..], "step {step}");
        assert!(buf.capacity() >= buf.len());
        if buf.storage() == Storage::Mapped && !buf.is_empty() && case_on_mock(&buf, mock) {
            assert!(mock.check_committed(buf.as_ptr(), buf.len()), "step {step}");
        }
        if kept.len() > 8 {
            let (bytes, expected) = kept.remove(rng.random_range(0..kept.len()));
            assert_eq!(
                bytes, expected,
                "step {step}: a frame changed after it was handed out"
            );
        }
    }
    for (bytes, expected) in kept {
        assert_eq!(bytes, expected);
    }
}

/// Whether `buf`'s mapping is the mock's.
fn case_on_mock(buf: &MappedBytes, mock: &FaultyMapper) -> bool {
    mock.page_state(buf.as_ptr()).is_some()
}

// ---- refused memory ----

/// A refused commit is an error from `try_reserve`, and loses nothing: the
/// same call works once memory is there again.
#[test]
fn try_reserve_refused_loses_nothing() {
    let mock = FaultyMapper::builder()
        .poison(true)
        .deny_commit_on(1)
        .build_arc();
    let mut buf = MappedBytes::new(mock.clone());
    let data = pattern(3000, 3);
    buf.put_slice(&data);
    buf.advance(10);
    assert_eq!(buf.storage(), Storage::Heap);

    let error = buf.try_reserve(100 * KIB).unwrap_err();
    assert!(error.is_out_of_memory(), "{error}");
    assert_eq!(&buf[..], &data[10..]);
    assert_eq!(buf.storage(), Storage::Heap);
    assert_eq!(mock.stats().denied_commits, 1);

    buf.try_reserve(100 * KIB).unwrap();
    assert_eq!(buf.storage(), Storage::Mapped);
    assert_eq!(&buf[..], &data[10..]);
    let more = pattern(100 * KIB, 4);
    buf.put_slice(&more);
    assert_eq!(&buf[..data.len() - 10], &data[10..]);
    assert_eq!(&buf[data.len() - 10..], &more[..]);

    // Mapped now: a larger growth refused is an error too.
    mock.deny_next_commits(1);
    let len = buf.len();
    assert!(buf.try_reserve(10 * MIB).unwrap_err().is_out_of_memory());
    assert_eq!(buf.len(), len);
    assert_eq!(&buf[len - more.len()..], &more[..]);
    mock.assert_clean();
}

/// `BufMut` has no error to return: a refused commit there panics with a
/// message naming the method and the way to get an error instead, and the
/// buffer is intact after it.
#[test]
fn buf_mut_refused_panics_clearly_and_loses_nothing() {
    let mock = FaultyMapper::builder().poison(true).build_arc();
    let mut buf = MappedBytes::new(mock.clone());
    let data = pattern(50 * KIB, 5);
    buf.put_slice(&data);
    // Full: the next chunk needs a commit.
    let room = buf.capacity() - buf.len();
    buf.put_bytes(1, room);
    mock.deny_next_commits(1);
    let panic = catch_unwind(AssertUnwindSafe(|| buf.chunk_mut().len())).unwrap_err();
    let text = message(&*panic);
    assert!(text.contains("MappedBytes::chunk_mut"), "{text}");
    assert!(text.contains("try_reserve"), "{text}");
    assert_eq!(&buf[..data.len()], &data[..]);
    assert_eq!(buf.len(), data.len() + room);
    assert!(buf.chunk_mut().len() > 0, "works on once memory is there");

    mock.deny_next_commits(1);
    let mut v: MappedVector<u8> = MappedVector::new(mock.clone());
    let panic = catch_unwind(AssertUnwindSafe(|| v.put_slice(&data))).unwrap_err();
    let text = message(&*panic);
    assert!(text.contains("MappedVector::put_slice"), "{text}");
    assert!(v.is_empty());
    v.put_slice(&data);
    assert_eq!(&v[..], &data[..]);
    mock.assert_clean();
}

/// When the fresh storage a large `split_to` would move on to is refused,
/// it copies the frame instead: same bytes, nothing lost.
#[test]
fn split_to_falls_back_to_a_copy_when_fresh_storage_is_refused() {
    let mock = FaultyMapper::builder().poison(true).build_arc();
    let mut buf = MappedBytes::builder(mock.clone())
        .max_capacity(MIB)
        .build()
        .unwrap();
    let data = pattern(300 * KIB, 6);
    buf.put_slice(&data);
    mock.deny_next_reserves(1); // the fresh buffer's fixed window
    let base = buf.as_ptr();
    let frame = buf.split_to(200 * KIB);
    assert_ne!(frame.as_ptr(), base, "copied");
    assert_eq!(frame, &data[..200 * KIB]);
    assert_eq!(&buf[..], &data[200 * KIB..]);
    let frame = buf.split_to(90 * KIB);
    assert_eq!(frame.as_ptr(), base.wrapping_add(200 * KIB), "handed over");
    assert_eq!(frame, &data[200 * KIB..290 * KIB]);
    assert_eq!(&buf[..], &data[290 * KIB..]);
    drop(frame);
    drop(buf);
    assert_eq!(mock.live_reservations(), 0);
    mock.assert_clean();
}

// ---- handing bytes to Bytes ----

/// `freeze` copies nothing; the memory goes back when the last `Bytes`
/// (clones and slices included) is dropped, not before.
#[test]
fn freeze_hands_the_storage_over() {
    let mock = FaultyMapper::builder().poison(true).build_arc();
    let mut buf = MappedBytes::new(mock.clone());
    let data = pattern(500 * KIB, 7);
    buf.put_slice(&data);
    buf.advance(1000);
    let at = buf.as_ptr();
    let frozen = buf.freeze();
    assert_eq!(frozen.as_ptr(), at);
    assert_eq!(frozen, &data[1000..]);
    let slice = frozen.slice(10..20);
    drop(frozen);
    assert_eq!(mock.live_reservations(), 1, "a slice keeps it");
    assert!(mock.check_committed(slice.as_ptr(), slice.len()));
    assert_eq!(slice, &data[1010..1020]);
    drop(slice);
    assert_eq!(mock.live_reservations(), 0, "the last one gave it back");
    assert!(MappedBytes::new(MAPPER).freeze().is_empty());
    mock.assert_clean();
}

/// `split_to` of most of a mapped buffer hands the storage over; a small
/// frame is copied and the buffer keeps its storage.
#[test]
fn split_to_copies_at_most_the_smaller_side() {
    let mock = FaultyMapper::builder().poison(true).build_arc();
    let mut buf = MappedBytes::new(mock.clone());
    let data = pattern(400 * KIB, 8);
    buf.put_slice(&data);
    let base = buf.as_ptr();

    let small = buf.split_to(10 * KIB);
    assert_ne!(small.as_ptr(), base);
    assert_eq!(
        buf.as_ptr(),
        base.wrapping_add(10 * KIB),
        "the rest did not move"
    );

    let large = buf.split_to(389 * KIB);
    assert_eq!(large.as_ptr(), base.wrapping_add(10 * KIB), "not copied");
    assert_eq!(large, &data[10 * KIB..399 * KIB]);
    assert_eq!(&buf[..], &data[399 * KIB..]);
    assert_eq!(
        buf.storage(),
        Storage::Heap,
        "the rest moved to fresh storage"
    );
    assert_eq!(mock.live_reservations(), 1);
    drop(large);
    assert_eq!(mock.live_reservations(), 0);
    assert_eq!(small, &data[..10 * KIB]);
    assert_eq!(Bytes::from(buf), &data[399 * KIB..]);
    mock.assert_clean();
}

// ---- memory back as the buffer is consumed ----

/// A drained buffer holds no memory; one drained to a remnant gives back
/// what the vector's policy would; consuming a little moves nothing.
#[test]
fn consuming_gives_memory_back_as_a_vector_does() {
    let mock = FaultyMapper::builder().poison(true).build_arc();
    let mut buf = MappedBytes::new(mock.clone());
    let data = pattern(4 * MIB, 9);
    buf.put_slice(&data);
    let (base, full) = (buf.as_ptr(), buf.committed_bytes());
    assert!(full >= 4 * MIB);

    buf.advance(1000);
    assert_eq!(buf.as_ptr(), base.wrapping_add(1000), "nothing moved");
    assert_eq!(buf.committed_bytes(), full);

    buf.advance(7 * MIB / 2 - 1000); // 512 KiB left: sparse
    assert!(
        buf.committed_bytes() <= 2 * MIB,
        "{}",
        buf.committed_bytes()
    );
    assert_eq!(&buf[..], &data[7 * MIB / 2..]);
    assert!(mock.check_committed(buf.as_ptr(), buf.len()));

    buf.advance(buf.len() - 100); // a remnant: back on the heap
    assert_eq!(buf.storage(), Storage::Heap);
    assert_eq!(buf.committed_bytes(), 0);
    assert_eq!(&buf[..], &data[data.len() - 100..]);
    assert_eq!(mock.live_reservations(), 0);

    buf.put_slice(&data);
    buf.advance(buf.len()); // drained
    assert_eq!(buf.storage(), Storage::Empty);
    assert_eq!(mock.live_reservations(), 0);
    mock.assert_clean();
}

/// A full buffer whose unread bytes are no more than the consumed ones
/// moves them down rather than grow.
#[test]
fn room_comes_from_the_front_when_cheap() {
    let mock = FaultyMapper::builder().build_arc();
    let mut buf = MappedBytes::new(mock.clone());
    let data = pattern(256 * KIB, 10);
    buf.put_slice(&data);
    let room = buf.capacity() - buf.len();
    buf.put_bytes(0, room);
    let (base, committed, len) = (buf.as_ptr(), buf.committed_bytes(), buf.len());
    buf.advance(len - 100 * KIB);
    assert_eq!(
        buf.committed_bytes(),
        committed,
        "not sparse enough to shrink"
    );
    buf.put_slice(b"more");
    assert_eq!(buf.as_ptr(), base, "moved to the front");
    assert_eq!(buf.committed_bytes(), committed, "did not grow");
    assert_eq!(&buf[buf.len() - 4..], b"more");
    mock.assert_clean();
}

/// On `MAPPER` (isolated): the buffer gives back what it committed, to the
/// cache or the OS, and its events say `bytes`.
#[test]
#[cfg_attr(mapped_no_mmap, ignore = "MAPPER maps nothing on this build")]
fn on_mapper_a_drained_buffer_holds_nothing() {
    let _isolated = isolate();
    let mut buf = MappedBytes::new(MAPPER);
    buf.put_bytes(3, 256 * KIB);
    assert_eq!(buf.storage(), Storage::Mapped);
    buf.advance(256 * KIB);
    assert_eq!(buf.storage(), Storage::Empty);
    assert_eq!(buf.committed_bytes(), 0);
}

// ---- telemetry ----

/// A buffer's events, and its inventory entry, say `bytes` and its name.
#[test]
fn events_and_the_inventory_say_bytes() {
    let seen = Arc::new(Recording::default());
    let mock = FaultyMapper::builder().build_arc();
    let mut buf = MappedBytes::builder(mock.clone())
        .name("conn-under-test")
        .observer(seen.clone())
        .build()
        .unwrap();
    buf.put_bytes(1, 100 * KIB);
    let inventory = mapped::inventory();
    let entry = inventory
        .containers()
        .iter()
        .find(|e| e.name() == Some("conn-under-test"))
        .expect("listed while mapped");
    assert_eq!(entry.kind(), Kind::Bytes);
    assert_eq!(entry.created_at().file(), file!(), "the put that mapped it");
    assert_eq!(entry.committed_bytes(), buf.committed_bytes());
    buf.clear();
    let seen = seen.take();
    assert!(seen.iter().any(|s| s.op == Op::Grow));
    assert!(seen.iter().any(|s| s.op == Op::Shrink));
    for s in &seen {
        assert_eq!(s.container, Kind::Bytes, "{s:?}");
        assert_eq!(s.name.as_deref(), Some("conn-under-test"), "{s:?}");
    }
}

/// The metrics of a buffer on the OS mapper carry `container="bytes"`.
#[cfg(feature = "metrics")]
#[test]
#[cfg_attr(mapped_no_mmap, ignore = "MAPPER maps nothing on this build")]
fn metrics_say_bytes() {
    use mapped::telemetry::names::{COMMITTED_BYTES, GROWS_TOTAL, HEAP_BYTES, SHRINKS_TOTAL};
    use mapped_testkit::metrics::{counter, gauge, snapshot};
    use metrics_util::debugging::DebuggingRecorder;

    let _isolated = isolate();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let mut buf = MappedBytes::new(MAPPER);
        buf.put_bytes(1, 100 * KIB);
        let snap = snapshot(&snapshotter);
        let labels = "container=bytes,mapper=os";
        assert_eq!(counter(&snap, &format!("{GROWS_TOTAL}{{{labels}}}")), 1);
        assert_eq!(
            gauge(&snap, &format!("{COMMITTED_BYTES}{{{labels}}}")),
            buf.committed_bytes() as f64
        );
        assert!(snap.contains_key(&format!("{HEAP_BYTES}{{container=bytes}}")));
        let committed = buf.committed_bytes() as f64;
        buf.clear();
        // A snapshot holds what changed since the last one.
        let snap = snapshot(&snapshotter);
        assert_eq!(
            gauge(&snap, &format!("{COMMITTED_BYTES}{{{labels}}}")),
            -committed
        );
        assert_eq!(counter(&snap, &format!("{SHRINKS_TOTAL}{{{labels}}}")), 1);
    });
}

// ---- in its habitat: tokio on a loopback socket ----

/// Echoes frames of a 4-byte big-endian length and a payload, reading
/// them into a `MappedBytes` with `read_buf`, until the peer closes.
async fn echo_frames(mut socket: tokio::net::TcpStream) -> std::io::Result<()> {
    let mut buf = MappedBytes::new(MAPPER);
    loop {
        while buf.len() < 4 {
            if socket.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        }
        let frame_len = 4 + u32::from_be_bytes(buf[..4].try_into().unwrap()) as usize;
        buf.try_reserve(frame_len.saturating_sub(buf.len()))?;
        while buf.len() < frame_len {
            if socket.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        }
        let frame = buf.split_to(frame_len);
        socket.write_all(&frame).await?;
    }
}

/// A small echo service over a real `TcpStream` pair: frames of every
/// size come back intact.
#[tokio::test]
async fn echo_over_loopback() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        echo_frames(socket).await
    });
    let client = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = client.into_split();
    let sizes = [0usize, 1, 5, 4096, 70 * KIB, 3, 300 * KIB, 10];
    let frames: Vec<Vec<u8>> = sizes
        .iter()
        .enumerate()
        .map(|(i, &len)| {
            let mut frame = (len as u32).to_be_bytes().to_vec();
            frame.extend(pattern(len, i as u64));
            frame
        })
        .collect();
    let sent = frames.clone();
    // Written while the echoes are read, so that neither side's socket
    // buffer fills up and stalls the other.
    let writing = tokio::spawn(async move {
        for frame in &sent {
            writer.write_all(frame).await.unwrap();
        }
        writer
    });
    for frame in &frames {
        let mut echo = vec![0; frame.len()];
        reader.read_exact(&mut echo).await.unwrap();
        assert!(
            echo == *frame,
            "a frame of {} bytes came back changed",
            frame.len()
        );
    }
    drop(writing.await.unwrap()); // closes: the server returns
    server.await.unwrap().unwrap();
}

/// tokio's `read_buf` fills a `MappedVector<u8>` too.
#[tokio::test]
async fn read_buf_into_a_vector() {
    let data = pattern(100 * KIB, 11);
    let mut v: MappedVector<u8> = MappedVector::new(MAPPER);
    let mut src = &data[..];
    while src.read_buf(&mut v).await.unwrap() > 0 {}
    assert_eq!(&v[..], &data[..]);
}
