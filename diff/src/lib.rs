//! spindle-diff: conformance of Spindle's fd layer against the real Linux kernel.
//!
//! A [`Scenario`] is a sequence of fd operations on symbolic handles. Two backends run it and
//! each produces a [`Record`] — per operation the return value, the errno name, the bytes read
//! and the fd numbers a `pipe`/`socketpair` stored:
//!
//! - [`host::run`] performs the operations with real system calls (through `libc`) on a thread
//!   with a private fd table, and closes everything it opened;
//! - [`vm::run`] turns the scenario into a guest `.mir` program that performs the same calls and
//!   prints one record per operation, and runs it through the `spindle` facade.
//!
//! [`check`] runs both and compares; a [`Mismatch`] renders the scenario with the kernel's and
//! Spindle's records side by side. [`gen`] generates random scenarios (proptest) and [`fuzz`]
//! runs them, shrinking every mismatch to a minimal scenario.
//!
//! The scenario language runs on one thread and never blocks: a data operation (`read`,
//! `write`, `recv`, `send`) on a blocking description is performed with `O_NONBLOCK` set around
//! it, by both backends alike, and the record says so (see [`Op`]); `poll`, `ppoll` and `select`
//! have a zero timeout. Only `Op::Park` starts a second thread, which makes one blocking call.
//!
//! Besides the fd calls and epoll, the language has `poll`/`ppoll`/`select`, files (`/dev/null`
//! and a regular file: a fresh directory on the kernel's side, removed after the run; Spindle's
//! in-memory file system), `lseek`, `fstat`, `FIONREAD`, socket options, pipe sizes, and signals
//! within one process. A scenario that touches signal state ([`Scenario::uses_signals`]) runs on
//! the kernel's side in a child process forked for it, so that dispositions, masks and
//! process-directed signals are that process's alone; a signal whose default action ends the
//! process ends both runs (`Record::end`, "killed by signal N").

pub mod fuzz;
pub mod gen;
pub mod host;
pub mod known;
pub mod record;
pub mod scenario;
pub mod vm;

pub use record::{Mismatch, Rec, Record, Val};
pub use scenario::{Fcntl, Fd, Op, Scenario, Src};

/// Runs `scenario` against the kernel and against Spindle and compares the records.
pub fn check(scenario: &Scenario) -> Result<(), Box<Mismatch>> {
    let scenario = scenario.resolved();
    let kernel = host::run(&scenario);
    let spindle = vm::run(&scenario);
    if kernel == spindle {
        Ok(())
    } else {
        Err(Box::new(Mismatch { scenario, kernel, spindle }))
    }
}
