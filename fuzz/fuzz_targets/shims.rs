//! Every shim with random arguments (fds, flags, lengths, pointers into and outside
//! allocations): Linux's errno or a clean report, never a panic; deterministic.
#![no_main]

#[path = "../../tests/fuzz_gen/mod.rs"]
mod fuzz_gen;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut b = fuzz_gen::Bytes::new(data);
    let seed = b.u64();
    let src = fuzz_gen::gen_shim_program(&mut b);
    if let Err(e) = fuzz_gen::check_shims(&src, seed) {
        panic!("{e}\nseed {seed}, program:\n{src}");
    }
});
