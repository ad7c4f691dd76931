//! The seed: `MAPPED_SEED` overrides the builder's (checked in a child
//! process, since setting a variable here would race other tests), and
//! every message carries it.

use mapped_mock::{child, env_seed, parse_seed, FaultyMapper, SEED_ENV};

#[test]
fn mapped_seed_overrides_the_builder_seed() {
    const NAME: &str = "seed::mapped_seed_overrides_the_builder_seed";
    if child::is_child(NAME) {
        assert_eq!(env_seed(), Some(4242));
        assert_eq!(FaultyMapper::builder().seed(1).build().seed(), 4242);
        assert_eq!(FaultyMapper::new().seed(), 4242);
        let pinned = FaultyMapper::builder().seed(1).env_seed(false).build();
        assert_eq!(pinned.seed(), 1);
        return;
    }
    let out = child::run(NAME, &[(SEED_ENV, "4242")]);
    assert!(out.status.success(), "{}", child::describe(&out));
}

#[test]
fn a_bad_mapped_seed_is_an_error_not_a_silent_default() {
    const NAME: &str = "seed::a_bad_mapped_seed_is_an_error_not_a_silent_default";
    if child::is_child(NAME) {
        let _ = FaultyMapper::new();
        return;
    }
    let out = child::run(NAME, &[(SEED_ENV, "twelve")]);
    assert!(!out.status.success(), "{}", child::describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not a decimal u64"),
        "{}",
        child::describe(&out)
    );
}

#[test]
fn seeds_parse_as_decimal() {
    assert_eq!(parse_seed("123"), Ok(123));
    assert!(parse_seed("abc").is_err());
}

#[test]
fn same_seed_same_junk() {
    use crate::{builder, Res};
    let junk = |seed| {
        let mock = builder().seed(seed).trap(true).build();
        let res = Res::new(&mock, 1);
        res.commit(0, 1).unwrap();
        let bytes = res.bytes(0);
        res.release().unwrap();
        bytes
    };
    assert_eq!(junk(8), junk(8));
    assert_ne!(junk(8), junk(9));
}
