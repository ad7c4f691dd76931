//! Random operations on a `FileVector<u64>` against a `Vec<u64>`, under a
//! seeded injector that refuses growth and fails flushes; the vector is
//! dropped and reopened now and then. Checked after every step: the
//! contents equal the model (nothing lost on a refusal), and a reopen
//! returns exactly the last flush (cut, as documented, to the saved
//! length when a write or a hole reached into removed saved data).

use crate::{seed, temp_path, Rng};
use mapped::failpoints::Injected;
use mapped::{FileFaults, FileVector};

fn faults(seed: u64) -> FileFaults {
    FileFaults::new(seed).refuse_growth(0.15).fail_flushes(0.2)
}

fn injected(e: &mapped::FileError) -> bool {
    e.os_error().and_then(Injected::of).is_some()
}

fn run(seed: u64, steps: usize) {
    let path = temp_path(&format!("model-{seed}"));
    let mut rng = Rng(seed);
    let mut f: FileVector<u64> = FileVector::options()
        .faults(faults(seed))
        .create(&path)
        .unwrap();
    let mut model: Vec<u64> = Vec::new();
    let mut saved: Vec<u64> = Vec::new();
    let (mut refusals, mut failed_flushes, mut reopens) = (0, 0, 0);
    for step in 0..steps {
        let ctx = || format!("seed {seed}, step {step}");
        let saved_before = f.saved_len();
        match rng.below(100) {
            0..=39 => {
                let v = rng.next_u64();
                match f.push(v) {
                    Ok(()) => model.push(v),
                    Err(e) => {
                        assert!(injected(e.error()), "{}: {:?}", ctx(), e.error());
                        assert_eq!(e.into_value(), v, "{}", ctx());
                        refusals += 1;
                    }
                }
            }
            40..=54 => {
                let big = rng.below(10) == 0;
                let n = rng.below(if big { 40_000 } else { 3_000 });
                let more: Vec<u64> = (0..n).map(|_| rng.next_u64()).collect();
                match f.extend_from_slice(&more) {
                    Ok(()) => model.extend_from_slice(&more),
                    Err(e) => {
                        assert!(injected(&e), "{}: {e:?}", ctx());
                        refusals += 1;
                    }
                }
            }
            55..=64 => assert_eq!(f.pop(), model.pop(), "{}", ctx()),
            65..=71 => {
                let n = rng.below(model.len() as u64 + 1) as usize;
                f.truncate(n);
                model.truncate(n);
            }
            72..=73 => {
                f.clear();
                model.clear();
            }
            74..=79 => {
                let n = rng.below(20_000) as usize;
                match f.reserve(n) {
                    Ok(()) => assert!(f.capacity() >= f.len() + n, "{}", ctx()),
                    Err(e) => {
                        assert!(injected(&e), "{}: {e:?}", ctx());
                        refusals += 1;
                    }
                }
            }
            80..=93 => match f.flush() {
                Ok(()) => saved = model.clone(),
                Err(e) => {
                    assert!(injected(&e), "{}: {e:?}", ctx());
                    assert_eq!(
                        f.saved_len(),
                        saved_before,
                        "{}: a failed flush moved the saved length",
                        ctx()
                    );
                    failed_flushes += 1;
                }
            },
            _ => {
                drop(f);
                f = FileVector::options()
                    .faults(faults(rng.next_u64()))
                    .open(&path)
                    .unwrap_or_else(|e| panic!("{}: reopen: {e}", ctx()));
                assert_eq!(
                    &f[..],
                    &saved[..],
                    "{}: the reopen differs from the last flush",
                    ctx()
                );
                model = saved.clone();
                reopens += 1;
            }
        }
        // Without a flush the saved length only ever falls to a prefix the
        // vector still holds unchanged.
        if f.saved_len() != saved.len() {
            assert!(
                f.saved_len() < saved.len(),
                "{}: saved length grew without a flush",
                ctx()
            );
            assert!(f.saved_len() <= model.len(), "{}", ctx());
            saved.truncate(f.saved_len());
            assert_eq!(
                &model[..saved.len()],
                &saved[..],
                "{}: saved prefix changed",
                ctx()
            );
        }
        assert_eq!(
            &f[..],
            &model[..],
            "{}: contents differ from the model",
            ctx()
        );
        assert!(
            f.capacity() >= f.len() && f.committed_bytes() >= f.len() * 8,
            "{}",
            ctx()
        );
    }
    drop(f);
    let f: FileVector<u64> = FileVector::open(&path).unwrap();
    assert_eq!(
        &f[..],
        &saved[..],
        "seed {seed}: the final reopen differs from the last flush"
    );
    drop(f);
    std::fs::remove_file(&path).unwrap();
    assert!(refusals > 10 && failed_flushes > 10 && reopens > 10, "seed {seed}: too few faults to mean anything ({refusals} refusals, {failed_flushes} failed flushes, {reopens} reopens)");
}

#[test]
fn random_operations_under_refusals_lose_nothing_and_reopen_the_last_flush() {
    let base = seed();
    eprintln!("file model: seed {base} (MAPPED_SEED={base} replays it)");
    for i in 0..4 {
        run(base.wrapping_add(i), 2_000);
    }
}

/// `fail_flushes(1.0)` fails every flush (at its data's sync or at its
/// header's, half the time each), and nothing it fails is saved.
#[test]
fn fail_flushes_of_one_fails_every_flush() {
    let path = temp_path("every-flush-fails");
    let faults = FileFaults::new(seed()).fail_flushes(1.0);
    let mut f: FileVector<u64> = FileVector::options().faults(faults).create(&path).unwrap();
    for i in 0..64 {
        f.push(i).unwrap();
        let err = f.flush().expect_err("every flush fails");
        assert!(injected(&err), "{err:?}");
    }
    drop(f);
    let f: FileVector<u64> = FileVector::open(&path).unwrap();
    assert!(f.is_empty(), "no flush was saved");
    drop(f);
    std::fs::remove_file(&path).unwrap();
}
