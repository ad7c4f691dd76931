use crate::{page_size, temp_path, value};
use mapped::{FileError, FileVector};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

/// Writes `bytes` over the file at `path`, at `offset`.
fn overwrite(path: &Path, offset: u64, bytes: &[u8]) {
    let mut file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.seek(SeekFrom::Start(offset)).unwrap();
    file.write_all(bytes).unwrap();
}

#[test]
fn ten_million_pushed_flushed_and_reopened_give_the_same_slice() {
    let path = temp_path("reopen");
    let n = 10_000_000u64;
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    for i in 0..n {
        f.push(value(i)).unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let f: FileVector<u64> = FileVector::open(&path).unwrap();
    assert_eq!(f.len() as u64, n);
    assert!(
        f.iter().enumerate().all(|(i, &x)| x == value(i as u64)),
        "reopened contents differ"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn reopen_returns_the_last_flush_and_ignores_data_past_it() {
    let path = temp_path("last-flush");
    let mut f: FileVector<u32> = FileVector::create(&path).unwrap();
    f.extend_from_slice(&[1, 2, 3]).unwrap();
    f.flush().unwrap();
    f.extend_from_slice(&[4, 5]).unwrap(); // in the file's pages, not saved
    assert_eq!(f.saved_len(), 3);
    drop(f);
    let mut f: FileVector<u32> = FileVector::open(&path).unwrap();
    assert_eq!(&f[..], &[1, 2, 3]);
    // A write into a removed part of the saved contents saves the prefix
    // first: a reopen never sees the overwritten element as saved.
    f.truncate(1);
    assert_eq!(f.saved_len(), 3);
    f.push(9).unwrap();
    assert_eq!(f.saved_len(), 1);
    drop(f);
    let f: FileVector<u32> = FileVector::open(&path).unwrap();
    assert_eq!(&f[..], &[1]);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn create_refuses_an_existing_file_and_names_it() {
    let path = temp_path("exists");
    std::fs::write(&path, b"keep me").unwrap();
    let err = FileVector::<u64>::create(&path).unwrap_err();
    assert!(matches!(err, FileError::Exists { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(
        !err.to_string().contains(&source),
        "Display repeats its source: {err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::AlreadyExists);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn opening_with_another_type_is_an_error() {
    let path = temp_path("wrong-type");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    f.push(1).unwrap();
    f.flush().unwrap();
    drop(f);
    for err in [
        FileVector::<u32>::open(&path).unwrap_err(), // size
        FileVector::<i64>::open(&path).unwrap_err(), // same size and alignment, another tag
        FileVector::<[u32; 2]>::open(&path).unwrap_err(),
    ] {
        assert!(matches!(err, FileError::WrongType { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
    }
    assert_eq!(&FileVector::<u64>::open(&path).unwrap()[..], &[1]);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_torn_newer_slot_falls_back_and_a_corrupt_header_is_an_error_naming_the_file() {
    let path = temp_path("torn");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    f.extend_from_slice(&[1, 2]).unwrap();
    f.flush().unwrap(); // slot 1 (seq 2)
    f.push(3).unwrap();
    f.flush().unwrap(); // slot 0 (seq 3)
    drop(f);
    // Tear the newer slot (slot 0): the older one, the previous flush, stands.
    overwrite(&path, 40, &[0xAB; 8]);
    assert_eq!(&FileVector::<u64>::open(&path).unwrap()[..], &[1, 2]);
    overwrite(&path, 512 + 40, &[0xAB; 8]);
    let err = FileVector::<u64>::open(&path).unwrap_err();
    assert!(matches!(err, FileError::Corrupt { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()) && text.contains("torn"),
        "{text}"
    );

    std::fs::write(&path, vec![0u8; 8192]).unwrap();
    let err = FileVector::<u64>::open(&path).unwrap_err();
    assert!(matches!(err, FileError::Corrupt { .. }), "{err:?}");
    std::fs::write(&path, b"short").unwrap();
    assert!(matches!(
        FileVector::<u64>::open(&path),
        Err(FileError::Corrupt { .. })
    ));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let path = temp_path("missing");
    let err = FileVector::<u64>::open(&path).unwrap_err();
    assert!(matches!(err, FileError::Io { step: "open", .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(
        std::io::Error::from(err).kind(),
        std::io::ErrorKind::NotFound
    );
}

/// The disk the file at `path` takes: the larger of its length and (on
/// Unix, where `st_blocks` says) its allocated bytes.
fn disk_used(path: &Path) -> u64 {
    let length = std::fs::metadata(path).unwrap().len();
    #[cfg(unix)]
    return length.max(crate::allocated_bytes(path));
    #[cfg(not(unix))]
    return length;
}

#[test]
fn truncating_a_gibibyte_to_a_thousand_elements_gives_the_disk_back() {
    let path = temp_path("holes");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    let chunk: Vec<u64> = (0..1u64 << 17).map(value).collect(); // 1 MiB
    while f.len() < (1 << 27) {
        f.extend_from_slice(&chunk).unwrap();
    }
    assert!(
        disk_used(&path) >= 1 << 30,
        "{} bytes held",
        disk_used(&path)
    );
    f.flush().unwrap();
    f.truncate(1000);
    let after = disk_used(&path);
    eprintln!("1 GiB truncated to 1000 elements: {after} bytes held (length, and st_blocks * 512 on Unix), target <= 2 MiB");
    assert!(
        after <= 2 << 20,
        "{after} bytes still held after the truncate"
    );
    assert_eq!(
        f.saved_len(),
        1000,
        "the cut reached into saved data: the prefix is saved first"
    );
    assert_eq!(&f[..], &chunk[..1000]);
    // Hysteresis: pushing back up to a quarter of what is kept does not grow.
    let committed = f.committed_bytes();
    while f.len() * 8 < committed {
        f.push(7).unwrap();
    }
    assert_eq!(f.committed_bytes(), committed);
    drop(f);
    let f: FileVector<u64> = FileVector::open(&path).unwrap();
    assert_eq!(&f[..], &chunk[..1000]);
    drop(f);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn clear_without_a_flush_gives_back_what_was_never_saved() {
    let path = temp_path("clear");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    f.extend_from_slice(&vec![5u64; 4 << 20]).unwrap(); // 32 MiB
    f.clear();
    // The header's page and the few pages an empty vector keeps.
    let kept = 16 * page_size() as u64;
    assert!(
        disk_used(&path) <= kept,
        "{} bytes held, more than {kept}",
        disk_used(&path)
    );
    assert_eq!(f.saved_len(), 0);
    // The vector works on after the cut (on Windows, through the mapping
    // made again around it).
    f.extend_from_slice(&[1, 2, 3]).unwrap();
    f.flush().unwrap();
    drop(f);
    assert_eq!(&FileVector::<u64>::open(&path).unwrap()[..], &[1, 2, 3]);
    std::fs::remove_file(&path).unwrap();
}
