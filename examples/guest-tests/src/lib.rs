//! An example project that tests guest programs with Spindle, the way a crate outside the
//! Spindle repository would: Spindle is an ordinary dependency, the guest programs live in
//! `guests/` and `sweeps/`, and the tests are plain `cargo test`s.
//!
//! - `tests/guests.rs` — every `guests/*.mir` against its insta snapshot (exit status, stdout,
//!   stderr, syscall trace), in one line of code.
//! - `tests/host.rs` — programs that call this project's own foreign function, [`host_functions`].
//! - `tests/sweeps.rs` — schedule sweeps: a correct program passes 200 random schedules and a
//!   bounded depth-first search; a buggy one is caught with its minimal failing schedule.
//!
//! After changing a guest program, review the new snapshots with `cargo insta review`.

use spindle::{ForeignArg, ForeignTable};

/// The foreign functions this project's host offers its guests, next to Linux's:
///
/// - `checksum(buf, len)` — the sum of `len` bytes at `buf`, or -1 with `errno` EFAULT if the
///   range is not guest memory.
pub fn host_functions() -> ForeignTable {
    ForeignTable::new().with_args("checksum", &[ForeignArg::Ptr, ForeignArg::Int], |call| {
        let (buf, len) = (call.args()[0], call.args()[1]);
        Ok(match call.read_guest(buf, len)? {
            Some(bytes) => bytes.iter().map(|&b| b as i64).sum(),
            None => call.fail(14),
        })
    })
}
