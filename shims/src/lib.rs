//! spindle-shims: the Linux ABI. Every foreign call a guest makes lands here: the table of
//! supported calls, argument decoding from guest memory, errno, and blocking through the VM's
//! callbacks.
//!
//! Architecture invariant: this is the only crate that knows Linux's numbers, struct layouts and
//! errno rules. The VM sees foreign calls as ids and 64-bit arguments; the fd layer sees
//! operations on descriptions.

pub mod consts;
mod process;
mod table;
mod threads;
mod time;

use spindle_vm::front::Resolver;
use spindle_vm::ir::ForeignSig;
use spindle_vm::{Host, Machine, Ret, VmResult};

pub use table::{ShimDef, SHIMS};

/// The shim layer's state for one run.
#[derive(Default)]
pub struct Shims {}

impl Shims {
    pub fn new() -> Self {
        Shims {}
    }
}

/// Resolves foreign functions and constants against the shim table, for the front end.
pub struct LinuxResolver;

impl Resolver for LinuxResolver {
    fn foreign(&self, name: &str) -> Option<ForeignSig> {
        table::find(name).map(|(id, def)| ForeignSig { id, arity: def.arity, ret: def.ret })
    }
    fn constant(&self, name: &str) -> Option<u64> {
        consts::lookup(name).map(|v| v as u64)
    }
}

impl Host for Shims {
    fn call(&mut self, m: &mut Machine<Self>, id: u32, args: &[u64]) -> VmResult<Ret> {
        (SHIMS[id as usize].run)(self, m, args)
    }
}

/// Fails a call the C way: errno set, -1 returned.
pub(crate) fn fail(m: &mut Machine<Shims>, errno: i64) -> VmResult<Ret> {
    m.set_errno(errno);
    Ok(Ret::Value(-1i64 as u64))
}
