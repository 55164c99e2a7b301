//! Generated valid programs (threads, atomics, loads/stores, branches, guest and foreign calls
//! with random arguments) under step and memory limits: no panic, consistent stops, the same
//! result twice with the same seed.
#![no_main]

#[path = "../../tests/fuzz_gen/mod.rs"]
mod fuzz_gen;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut b = fuzz_gen::Bytes::new(data);
    let seed = b.u64();
    let src = fuzz_gen::gen_program(&mut b);
    if let Err(e) = fuzz_gen::check_run(&src, seed) {
        panic!("{e}\nseed {seed}, program:\n{src}");
    }
});
