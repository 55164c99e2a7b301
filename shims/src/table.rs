//! The foreign-call table: one entry per supported call, in one place. The VM refers to a call
//! by its index here.

use crate::{eventfd, fd, pipe, process, socket, threads, time, Shims};
use spindle_vm::ir::ForeignRet;
use spindle_vm::{Machine, Ret, VmResult};

pub type ShimFn = fn(&mut Shims, &mut Machine<Shims>, &[u64]) -> VmResult<Ret>;

pub struct ShimDef {
    pub name: &'static str,
    /// Arguments required; up to `arity` may be given (variadic calls).
    pub min_arity: usize,
    pub arity: usize,
    pub ret: ForeignRet,
    pub run: ShimFn,
}

const fn def(name: &'static str, arity: usize, ret: ForeignRet, run: ShimFn) -> ShimDef {
    ShimDef { name, min_arity: arity, arity, ret, run }
}

/// A call whose last arguments may be left out (they are 0).
const fn variadic(name: &'static str, min_arity: usize, arity: usize, run: ShimFn) -> ShimDef {
    ShimDef { name, min_arity, arity, ret: ForeignRet::Int, run }
}

use ForeignRet::{Int, Never, Ptr};

pub static SHIMS: &[ShimDef] = &[
    def("read", 3, Int, fd::read),
    def("write", 3, Int, fd::write),
    def("close", 1, Int, fd::close),
    def("dup", 1, Int, fd::dup),
    def("dup2", 2, Int, fd::dup2),
    def("dup3", 3, Int, fd::dup3),
    variadic("fcntl", 2, 3, fd::fcntl),
    def("eventfd", 2, Int, eventfd::eventfd),
    def("pipe", 1, Int, pipe::pipe),
    def("pipe2", 2, Int, pipe::pipe2),
    def("socketpair", 4, Int, socket::socketpair),
    def("send", 4, Int, socket::send),
    def("recv", 4, Int, socket::recv),
    def("shutdown", 2, Int, socket::shutdown),
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
