//! `mapped::inventory()`: who holds the memory. Every live mapped container
//! is listed with its name, kind, mapper, bytes and the call that moved it
//! into its mapping; heap containers and containers gone are not. Other
//! tests of this binary make containers too, so each test looks only at
//! its own names.

use mapped::inventory::Entry;
use mapped::{Kind, MappedQueue, MappedVector, MAPPER};

fn named(name: &str) -> Vec<Entry> {
    mapped::inventory()
        .into_containers()
        .into_iter()
        .filter(|e| e.name() == Some(name))
        .collect()
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, and the inventory lists mapped containers"
)]
fn mapped_containers_are_listed_with_their_site_largest_first() {
    let mut small: MappedVector<u64> = MappedVector::builder(MAPPER).name("inv-a").build().unwrap();
    let mut big: MappedVector<u64> = MappedVector::builder(MAPPER).name("inv-a").build().unwrap();
    let line = line!() + 1;
    small.extend_from_slice(&[1; 10_000]).unwrap();
    for i in 0..200_000 {
        big.push(i).unwrap();
    }
    let entries = named("inv-a");
    assert_eq!(entries.len(), 2, "{entries:?}");
    let (first, second) = (&entries[0], &entries[1]);
    assert_eq!(
        first.committed_bytes(),
        big.committed_bytes(),
        "largest first"
    );
    assert_eq!(first.reserved_bytes(), big.reserved_bytes());
    assert_eq!(second.committed_bytes(), small.committed_bytes());
    assert_eq!((first.kind(), first.mapper()), (Kind::Vector, "os"));
    assert_eq!(second.created_at().file(), file!());
    assert_eq!(
        second.created_at().line(),
        line,
        "the extend that mapped it"
    );
    assert_eq!(
        first.created_at().line(),
        line + 2,
        "the push that mapped it"
    );
    assert!(first.age() < std::time::Duration::from_secs(600));

    let inventory = mapped::inventory();
    let report = inventory.to_string();
    assert!(report.contains("who holds the memory"), "{report}");
    // The report lists the 20 largest: `big` among them, unless other
    // tests hold 20 larger ones at this moment.
    let rank = inventory
        .containers()
        .iter()
        .position(|e| e.name() == Some("inv-a"))
        .expect("listed");
    let site = format!("{}:{}", file!(), line + 2);
    assert_eq!(report.contains(&site), rank < 20, "rank {rank}:\n{report}");
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, and the inventory lists mapped containers"
)]
fn heap_containers_and_containers_gone_are_not_listed() {
    let mut v: MappedVector<u64> = MappedVector::builder(MAPPER).name("inv-b").build().unwrap();
    v.extend_from_slice(&[1; 100]).unwrap();
    assert!(named("inv-b").is_empty(), "on the heap: not registered");
    v.extend_from_slice(&[1; 100_000]).unwrap();
    assert_eq!(named("inv-b").len(), 1);
    v.truncate(10);
    assert!(named("inv-b").is_empty(), "back on the heap");
    v.extend_from_slice(&[1; 100_000]).unwrap();
    assert_eq!(named("inv-b").len(), 1);
    drop(v);
    assert!(named("inv-b").is_empty(), "dropped");
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, and the inventory lists mapped containers"
)]
fn a_queue_is_listed_as_a_queue_and_its_into_vec_as_a_vector() {
    let mut q: MappedQueue<u64> = MappedQueue::builder(MAPPER).name("inv-c").build().unwrap();
    for i in 0..100_000 {
        q.push(i).unwrap();
    }
    let entries = named("inv-c");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind(), Kind::Queue);
    let v = q.into_vec();
    let entries = named("inv-c");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind(), Kind::Vector);
    assert_eq!(entries[0].committed_bytes(), v.committed_bytes());
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, and the inventory lists mapped containers"
)]
fn threads_register_at_once_and_every_container_is_listed() {
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                (0..250)
                    .map(|_| {
                        let mut v: MappedVector<u8> =
                            MappedVector::builder(MAPPER).name("inv-d").build().unwrap();
                        v.extend_from_slice(&[1; 8192]).unwrap();
                        v
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let held: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(named("inv-d").len(), 1000);
    drop(held);
    assert!(named("inv-d").is_empty());
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, and the inventory lists mapped containers"
)]
fn the_pinned_surface_reads_as_designed() {
    let mut v: MappedVector<u64> = MappedVector::builder(MAPPER)
        .name("inv-pinned")
        .build()
        .unwrap();
    v.extend_from_slice(&[1; 100_000]).unwrap();
    let inv = mapped::inventory();
    let mine: Vec<_> = inv
        .containers()
        .iter()
        .filter(|c| c.name() == Some("inv-pinned"))
        .collect();
    assert_eq!(mine.len(), 1);
    let c = mine[0];
    assert_eq!(c.committed_bytes(), v.committed_bytes());
    assert_eq!(c.reserved_bytes(), v.reserved_bytes());
    assert_eq!(c.created_at().file(), file!());
    assert!(inv.committed_bytes() >= v.committed_bytes() as u64);
    assert!(inv.to_string().contains("inv-pinned"));
}
