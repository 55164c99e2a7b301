//! spindle-vm: the guest language, the interpreter, memory, green threads, the scheduler,
//! virtual time and vector clocks.
//!
//! Architecture invariant: this crate knows nothing of files, file descriptors or Linux. Foreign
//! calls reach the outside world only through the [`Host`] trait, and names of foreign functions
//! and constants only through [`front::Resolver`].

// No unsafe code, except in one place: the interpreter's hot loop (`interp::run_hot`) reads
// registers and instructions without bounds checks, on the strength of a check made once per
// function at lowering (`ir::hot_checked`), keeps its branches branches with an empty `asm!`
// statement, and (with the race detector) reads and writes the bytes of the allocation it last
// accessed through a pointer, while nothing it runs can free or move them (`interp::Window`);
// its `allow`s and the invariants are written there.
#![deny(unsafe_code)]

pub mod clock;
pub mod context;
pub mod diag;
pub mod edges;
pub mod error;
pub mod front;
pub mod id_table;
mod interp;
mod interrupt;
pub mod ir;
pub mod machine;
pub mod memory;
pub mod por;
pub mod race;
pub mod sched;
pub mod schedule;
pub mod source;
mod spare;
pub mod thread;

pub use error::{Stop, StopKind, VmResult};
pub use machine::{Config, Console, Host, Machine, Ret};
pub use sched::{Policy, Replay, Switch};
pub use schedule::Schedule;
pub use thread::{BlockReason, Callback, HostWait, Interrupt, SpaceId, ThreadId, Unblock};

/// The default probability of switching threads at a scheduling point under `--sched random`.
pub const DEFAULT_PREEMPTION: f64 = 0.5;
