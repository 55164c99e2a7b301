//! Property tests of the shims (issue 9): every foreign call with random arguments — random
//! fds (open, closed, negative, huge, with junk in the high bits), flags (known bits, single
//! bits, random words), lengths and pointers (into, at the edge of, outside and after
//! allocations, read-only, forged). Each failed call sets an errno that its Linux man page
//! lists; anything else ends in a clean report; nothing panics; runs are deterministic. The
//! same generator drives `fuzz/fuzz_targets/shims.rs`.

mod fuzz_gen;

use fuzz_gen::{check_shims, gen_shim_program, Bytes};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn shims_with_random_arguments(bytes in proptest::collection::vec(any::<u8>(), 0..1024), seed in any::<u64>()) {
        let src = gen_shim_program(&mut Bytes::new(&bytes));
        if let Err(e) = check_shims(&src, seed) {
            return Err(TestCaseError::fail(format!("{e}\nseed {seed}, program:\n{src}")));
        }
    }
}

/// The generator is worth its name: the programs get far, most calls are reached, and they
/// fail in many ways.
#[test]
fn shim_generator_covers_the_calls() {
    let mut state = 0x2545f4914f6cdd1du64;
    let mut calls = std::collections::BTreeMap::<String, (usize, usize)>::new();
    let mut errnos = std::collections::BTreeSet::new();
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..200 {
        let bytes: Vec<u8> = (0..800)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let src = gen_shim_program(&mut Bytes::new(&bytes));
        let s = check_shims(&src, 3).unwrap_or_else(|e| panic!("{e}\n{src}"));
        *kinds.entry(if s.kind.starts_with("Exit") { "Exit".into() } else { s.kind.clone() }).or_default() += 1;
        for line in String::from_utf8_lossy(&s.stdout).lines() {
            let Some(at) = line.find("@@SHIM ") else { continue };
            let parts: Vec<&str> = line[at + 7..].split(' ').collect();
            let e = calls.entry(parts[0].to_string()).or_default();
            e.0 += 1;
            if parts.get(1) == Some(&"-1") {
                e.1 += 1;
                errnos.insert(parts[2].to_string());
            }
        }
    }
    eprintln!("outcomes {kinds:?}\ncalls (made, failed) {calls:?}\nerrnos {errnos:?}");
    assert!(calls.len() >= 25, "{calls:?}");
    assert!(errnos.len() >= 8, "{errnos:?}");
}
