//! The foreign-call table: one entry per supported call, in one place. The VM refers to a call
//! by its index here.

use crate::{process, threads, time, Shims};
use spindle_vm::ir::ForeignRet;
use spindle_vm::{Machine, Ret, VmResult};

pub type ShimFn = fn(&mut Shims, &mut Machine<Shims>, &[u64]) -> VmResult<Ret>;

pub struct ShimDef {
    pub name: &'static str,
    pub arity: usize,
    pub ret: ForeignRet,
    pub run: ShimFn,
}

const fn def(name: &'static str, arity: usize, ret: ForeignRet, run: ShimFn) -> ShimDef {
    ShimDef { name, arity, ret, run }
}

use ForeignRet::{Int, Never, Ptr};

pub static SHIMS: &[ShimDef] = &[
    def("write", 3, Int, process::write),
    def("exit", 1, Never, process::exit),
    def("abort", 0, Never, process::abort),
    def("malloc", 1, Ptr, process::malloc),
    def("free", 1, Int, process::free),
    def("errno", 0, Int, process::errno),
    def("spawn", 2, Int, threads::spawn),
    def("join", 1, Int, threads::join),
    def("sched_yield", 0, Int, threads::sched_yield),
    def("nanosleep", 2, Int, time::nanosleep),
    def("usleep", 1, Int, time::usleep),
    def("clock_gettime", 2, Int, time::clock_gettime),
];

pub fn find(name: &str) -> Option<(u32, &'static ShimDef)> {
    SHIMS.iter().enumerate().find(|(_, d)| d.name == name).map(|(i, d)| (i as u32, d))
}
