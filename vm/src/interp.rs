//! The dispatch loop. One `match` over `Inst`, run until the thread reaches a scheduling point.
//! Everything it touches per instruction is a local: the code slice, the pc, the frame base, the
//! register file and the step counter. Failures carry a placeholder span that is replaced here
//! by the span of the failing instruction.

use crate::error::{Stop, VmResult};
use crate::ir::*;
use crate::machine::{mem_stop, Event, Host, Machine, Ret};
use crate::memory::{AllocKind, Memory};
use crate::race::{AccessKind, Detector, Race, Site};
use crate::thread::{BlockReason, Frame, ThreadState};
use std::io::Write;

/// Evaluates an arithmetic operator on normalised operands, as the language defines it.
/// `Err` carries the panic message. 64-bit types use the native checked operations; narrower
/// ones compute in `i64` (where their operands always fit) and check the range.
#[inline(always)]
pub fn arith(op: ArithOp, ty: Ty, a: u64, b: u64) -> Result<u64, &'static str> {
    const ADD: &str = "attempt to add with overflow";
    const SUB: &str = "attempt to subtract with overflow";
    const MUL: &str = "attempt to multiply with overflow";
    let narrow = |r: Option<i64>, msg: &'static str| match r {
        Some(r) if ty.fits(r as i128) => Ok(ty.normalize(r as u64)),
        _ => Err(msg),
    };
    match op {
        ArithOp::And => Ok(a & b),
        ArithOp::Or => Ok(a | b),
        ArithOp::Xor => Ok(a ^ b),
        ArithOp::WAdd => Ok(ty.normalize(a.wrapping_add(b))),
        ArithOp::WSub => Ok(ty.normalize(a.wrapping_sub(b))),
        ArithOp::WMul => Ok(ty.normalize(a.wrapping_mul(b))),
        ArithOp::Add => match ty {
            Ty::I64 => (a as i64).checked_add(b as i64).map(|v| v as u64).ok_or(ADD),
            Ty::U64 => a.checked_add(b).ok_or(ADD),
            _ => narrow((a as i64).checked_add(b as i64), ADD),
        },
        ArithOp::Sub => match ty {
            Ty::I64 => (a as i64).checked_sub(b as i64).map(|v| v as u64).ok_or(SUB),
            Ty::U64 => a.checked_sub(b).ok_or(SUB),
            _ => narrow((a as i64).checked_sub(b as i64), SUB),
        },
        ArithOp::Mul => match ty {
            Ty::I64 => (a as i64).checked_mul(b as i64).map(|v| v as u64).ok_or(MUL),
            Ty::U64 => a.checked_mul(b).ok_or(MUL),
            _ => narrow((a as i64).checked_mul(b as i64), MUL),
        },
        ArithOp::Div | ArithOp::Rem => {
            let rem = op == ArithOp::Rem;
            if b == 0 {
                return Err(if rem { "attempt to calculate the remainder with a divisor of zero" } else { "attempt to divide by zero" });
            }
            let (x, y) = (ty.to_i128(a), ty.to_i128(b));
            // MIN / -1 and MIN % -1 overflow, as in Rust.
            if ty.is_signed() && y == -1 && !ty.fits(-x) {
                return Err(if rem { "attempt to calculate the remainder with overflow" } else { "attempt to divide with overflow" });
            }
            Ok(ty.normalize((if rem { x % y } else { x / y }) as u64))
        }
        ArithOp::Shl => {
            if b >= ty.bits() as u64 {
                return Err("attempt to shift left with overflow");
            }
            Ok(ty.normalize(a << b))
        }
        ArithOp::Shr => {
            if b >= ty.bits() as u64 {
                return Err("attempt to shift right with overflow");
            }
            Ok(if ty.is_signed() { ((a as i64) >> b) as u64 } else { a >> b })
        }
    }
}

impl<H: Host> Machine<H> {
    // `tick!` moves its bound forward even where the block returns right after.
    #[allow(unused_assignments)]
    pub(crate) fn exec(&mut self, host: &mut H, frames: &mut Vec<Frame>, regs: &mut Vec<u64>) -> VmResult<Event> {
        let prog = self.program.clone();
        let top = *frames.last().expect("a running thread has a frame");
        let mut cur_ctx = top.ctx;
        let mut func = &prog.functions[top.func as usize];
        let mut code: &[Inst] = &func.code;
        let mut pc = top.pc as usize;
        let mut base = top.base as usize;
        let mut steps = self.steps;
        if top.pc == NO_PC {
            let span = self.threads[self.active].blocked_at;
            return Err(Stop::ub("a function that was called without a return block returned", "this call has no `-> LABEL`").locate(span));
        }

        // Leaves the loop with an error located at the current instruction.
        macro_rules! fail {
            ($stop:expr) => {{
                self.steps = steps;
                let span = func.spans[pc - 1];
                if let Some(f) = frames.last_mut() {
                    f.pc = (pc - 1) as Pc;
                }
                return Err(($stop).locate(span));
            }};
        }
        macro_rules! r {
            ($slot:expr) => {
                regs[base + $slot as usize]
            };
        }
        // Where the current instruction is, for race reports.
        macro_rules! site {
            () => {
                (cur_ctx as u64) << 32 | (pc - 1) as u64
            };
        }
        // A scheduling point after an atomic: let the scheduler decide if it wants to.
        macro_rules! sched_point {
            () => {
                if self.sched.wants_decision() {
                    self.steps = steps;
                    if let Some(f) = frames.last_mut() {
                        f.pc = pc as Pc;
                    }
                    return Ok(Event::Switch);
                }
            };
        }
        macro_rules! race_check {
            ($r:expr) => {
                if let Err(race) = $r {
                    fail!(self.race_stop(&race));
                }
            };
        }
        // Records an access in the segment's footprint (reduced exploration only).
        macro_rules! footprint {
            ($a:expr, $size:expr, $write:expr) => {
                if let Some(f) = self.fp.as_deref_mut() {
                    f.access($a, $size as u64, $write);
                }
            };
        }
        // A load of a `ty` from the address in `addr` into `dst`, and a store of a `ty` value.
        macro_rules! load {
            ($ty:expr, $dst:expr, $addr:expr) => {{
                let (ty, a): (Ty, u64) = ($ty, r!($addr));
                footprint!(a, ty.size(), false);
                match self.memory.read_uint(a, ty.size()) {
                    Ok(v) => r!($dst) = ty.normalize(v),
                    Err(e) => fail!(mem_stop(&self.memory, e, "memory read")),
                }
                if let Some(rd) = &mut self.race {
                    let (id, off) = crate::memory::split(a);
                    race_check!(rd.read(id, off, ty.size() as u64, 0, site!()));
                }
            }};
        }
        macro_rules! store {
            ($ty:expr, $addr:expr, $val:expr) => {{
                let (ty, a, v): (Ty, u64, u64) = ($ty, r!($addr), $val);
                footprint!(a, ty.size(), true);
                if let Err(e) = self.memory.write_uint(a, ty.size(), v) {
                    fail!(mem_stop(&self.memory, e, "memory write"))
                }
                if let Some(rd) = &mut self.race {
                    let (id, off) = crate::memory::split(a);
                    race_check!(rd.write(id, off, ty.size() as u64, 0, site!()));
                }
            }};
        }
        // After interrupt frames were entered or one returned (`r`: how that went): execution
        // goes on in the frame now on top, at its `pc`.
        macro_rules! resume_top {
            ($r:expr) => {{
                steps = self.steps;
                let top = *frames.last().expect("a running thread has a frame");
                cur_ctx = top.ctx;
                func = &prog.functions[top.func as usize];
                code = &func.code;
                base = top.base as usize;
                pc = top.pc as usize;
                if let Err(s) = $r {
                    // Located at the instruction the top frame continues with.
                    pc += 1;
                    fail!(s);
                }
            }};
        }
        // One comparison per step covers both the step limit and the checkpoint (the look at an
        // interrupt, the console flush), which is out of line.
        let mut bound = self.config.max_steps.unwrap_or(u64::MAX).min(self.next_interrupt_check);
        macro_rules! tick {
            ($cost:expr) => {{
                steps += $cost as u64;
                if steps > bound {
                    match self.checkpoint(steps) {
                        Ok(b) => bound = b,
                        Err(stop) => fail!(stop),
                    }
                }
            }};
        }

        // A two-way branch's block. A branch fused into a jump (`at` is where the branch
        // stands, see `Inst::Branch`) ticks both blocks' costs in one addition; past the bound
        // (cold), the jump's block and the branch's are ticked one after the other, each located
        // where it stands, so a step limit stops exactly where it would without fusion.
        macro_rules! br_tick {
            ($cost:expr, $at:expr) => {{
                let total = $cost as u64;
                if $at == NO_PC {
                    tick!(total);
                } else if steps + total > bound {
                    let second = code[$at as usize].cost() as u64;
                    tick!(total - second);
                    pc = $at as usize + 1;
                    tick!(second);
                } else {
                    steps += total;
                }
            }};
        }

        loop {
            // Plain computation (and, without the race detector, guest calls and returns) runs
            // in the small loop of `run_hot`; it hands back what it does not do, untouched, and
            // that one instruction runs below.
            let ctx_site = (cur_ctx as u64) << 32;
            // While a delivery is postponed, memory accesses come here, to be delivery points.
            let mem = self.fp.is_none() && !self.delaying;
            // One copy of the loop with the detector's checks, one without: the checks inlined
            // into a single copy cost the loop without the detector registers and instructions.
            let exit = match self.race.as_mut() {
                Some(rd) => run_hot::<&mut Detector>(
                    &prog.functions,
                    frames,
                    regs,
                    &mut pc,
                    &mut steps,
                    bound,
                    &mut self.memory,
                    rd,
                    mem,
                    ctx_site,
                    self.config.max_stack_depth,
                ),
                None => run_hot::<NoChecks>(
                    &prog.functions,
                    frames,
                    regs,
                    &mut pc,
                    &mut steps,
                    bound,
                    &mut self.memory,
                    NoChecks,
                    mem,
                    ctx_site,
                    self.config.max_stack_depth,
                ),
            };
            // It may have called and returned: go on in the frame now on top.
            let top = *frames.last().expect("a running thread has a frame");
            cur_ctx = top.ctx;
            func = &prog.functions[top.func as usize];
            code = &func.code;
            base = top.base as usize;
            if let Exit::Race(race) = exit {
                fail!(self.race_stop(&race));
            }
            // Match on the place, not a copy: only the fields an arm binds are read.
            let inst = &code[pc];
            if self.delaying {
                match self.delivery_point(inst, frames.len(), func.spans[pc]) {
                    Ok(false) => {}
                    Ok(true) => {
                        // The queued interrupt frames run before this instruction.
                        self.steps = steps;
                        if let Some(f) = frames.last_mut() {
                            f.pc = pc as Pc;
                        }
                        let r = self.enter_interrupts(host, frames, regs);
                        resume_top!(r);
                        continue;
                    }
                    Err(stop) => {
                        pc += 1;
                        fail!(stop);
                    }
                }
            }
            pc += 1;
            match *inst {
                Inst::Const { dst, val } => r!(dst) = val,
                Inst::Copy { dst, src } => r!(dst) = r!(src),
                Inst::AddI64 { dst, a, b } => match (r!(a) as i64).checked_add(r!(b) as i64) {
                    Some(v) => r!(dst) = v as u64,
                    None => fail!(Stop::panic("attempt to add with overflow")),
                },
                Inst::AddImmI64 { dst, a, imm } => match (r!(a) as i64).checked_add(imm as i64) {
                    Some(v) => r!(dst) = v as u64,
                    None => fail!(Stop::panic("attempt to add with overflow")),
                },
                Inst::SubI64 { dst, a, b } => match (r!(a) as i64).checked_sub(r!(b) as i64) {
                    Some(v) => r!(dst) = v as u64,
                    None => fail!(Stop::panic("attempt to subtract with overflow")),
                },
                Inst::SubImmI64 { dst, a, imm } => match (r!(a) as i64).checked_sub(imm as i64) {
                    Some(v) => r!(dst) = v as u64,
                    None => fail!(Stop::panic("attempt to subtract with overflow")),
                },
                // The addition alone: the fused loop test after it is the next instruction.
                Inst::IncBrLtSImm { a, step, .. } | Inst::IncBrLtS { a, step, .. } => match (r!(a) as i64).checked_add(step as i64) {
                    Some(v) => r!(a) = v as u64,
                    None => fail!(Stop::panic("attempt to add with overflow")),
                },
                Inst::WAdd64 { dst, a, b } => r!(dst) = r!(a).wrapping_add(r!(b)),
                Inst::AndImm { dst, a, imm } => r!(dst) = r!(a) & imm,
                Inst::MulImmI64 { dst, a, imm } => match (r!(a) as i64).checked_mul(imm as i64) {
                    Some(v) => r!(dst) = v as u64,
                    None => fail!(Stop::panic("attempt to multiply with overflow")),
                },
                Inst::WAddImm64 { dst, a, imm } => r!(dst) = r!(a).wrapping_add(imm),
                Inst::Arith { op, ty, dst, a, b } => match arith(op, ty, r!(a), r!(b)) {
                    Ok(v) => r!(dst) = v,
                    Err(msg) => fail!(Stop::panic(msg)),
                },
                Inst::ArithImm { op, ty, dst, a, imm } => match arith(op, ty, r!(a), imm) {
                    Ok(v) => r!(dst) = v,
                    Err(msg) => fail!(Stop::panic(msg)),
                },
                Inst::ArithImmL { op, ty, dst, imm, b } => match arith(op, ty, imm, r!(b)) {
                    Ok(v) => r!(dst) = v,
                    Err(msg) => fail!(Stop::panic(msg)),
                },
                Inst::Cmp { op, dst, a, b } => r!(dst) = op.eval(r!(a), r!(b)) as u64,
                Inst::CmpImm { op, dst, a, imm } => r!(dst) = op.eval(r!(a), imm) as u64,
                Inst::CmpImmL { op, dst, imm, b } => r!(dst) = op.eval(imm, r!(b)) as u64,
                Inst::Neg { ty, dst, a } => match arith(ArithOp::Sub, ty, 0, r!(a)) {
                    Ok(v) => r!(dst) = v,
                    Err(_) => fail!(Stop::panic("attempt to negate with overflow")),
                },
                Inst::Not { ty, dst, a } => r!(dst) = ty.normalize(!r!(a)),
                Inst::Cast { to, dst, src } => r!(dst) = to.normalize(r!(src)),
                Inst::PtrAdd { dst, p, off, neg } => {
                    let o = r!(off) as i64;
                    match ptr_offset(r!(p), if neg { o.wrapping_neg() } else { o }) {
                        Some(v) => r!(dst) = v,
                        None => fail!(self.ptr_overflow(r!(p), o, neg)),
                    }
                }
                Inst::PtrAddImm { dst, p, off } => match ptr_offset(r!(p), off) {
                    Some(v) => r!(dst) = v,
                    None => fail!(self.ptr_overflow(r!(p), off, false)),
                },
                Inst::Load { ty, dst, addr } => load!(ty, dst, addr),
                Inst::Load64 { dst, addr } => load!(Ty::U64, dst, addr),
                Inst::Store { ty, addr, val } => store!(ty, addr, r!(val)),
                Inst::Store64 { addr, val } => store!(Ty::U64, addr, r!(val)),
                Inst::StoreImm { ty, addr, val } => store!(ty, addr, val),
                Inst::AtomicLoad { .. } | Inst::AtomicStore { .. } | Inst::AtomicRmw { .. } | Inst::Cas(_) | Inst::Fence { .. } => {
                    if let Err(e) = self.atomic(*inst, &mut regs[base..], site!()) {
                        fail!(e);
                    }
                    sched_point!();
                }
                Inst::CasLock(_) => match self.cas_lock(*inst, &mut regs[base..], site!(), func.spans[pc - 1]) {
                    Ok(true) => sched_point!(),
                    // A lock wait: the thread stops at the compare-and-swap, to make it when the
                    // lock is free.
                    Ok(false) => {
                        self.steps = steps;
                        if let Some(f) = frames.last_mut() {
                            f.pc = (pc - 1) as Pc;
                        }
                        return Ok(Event::Switch);
                    }
                    Err(e) => fail!(e),
                },
                Inst::Assert { cond, msg } => {
                    if r!(cond) == 0 {
                        fail!(Stop::panic(prog.strings[msg as usize].clone()));
                    }
                }
                Inst::Print { fmt } => {
                    if let Some(f) = self.fp.as_deref_mut() {
                        f.loc(crate::por::LOC_CONSOLE, true);
                    }
                    let text = self.format(&prog.formats[fmt as usize], &regs[base..]);
                    // A closed host stdout must not stop the guest.
                    let _ = self.console.out.write_all(&text);
                }
                Inst::AllocLocal { dst, local } => {
                    let a = &func.arrays[local as usize];
                    let kind = AllocKind::Local(a.names.clone());
                    if let Some(f) = self.fp.as_deref_mut() {
                        f.loc(crate::por::LOC_ALLOC, true);
                    }
                    match self.memory.allocate(a.size, &[], kind, a.span) {
                        Ok(p) => {
                            r!(dst) = p;
                            if let Some(rd) = &mut self.race {
                                rd.on_alloc(crate::memory::split(p).0, a.size);
                            }
                        }
                        Err(e) => fail!(mem_stop(&self.memory, e, "allocation of an array local")),
                    }
                }

                Inst::Jump { target, cost } => {
                    tick!(cost);
                    pc = target as usize;
                }
                Inst::Branch { cond, t, f, cost, at } => {
                    br_tick!(cost, at);
                    pc = if r!(cond) != 0 { t } else { f } as usize;
                }
                Inst::BrEq { a, b, t, f, cost, at } => {
                    br_tick!(cost, at);
                    pc = if r!(a) == r!(b) { t } else { f } as usize;
                }
                Inst::BrLtS { a, b, t, f, cost, at } => {
                    br_tick!(cost, at);
                    pc = if (r!(a) as i64) < (r!(b) as i64) { t } else { f } as usize;
                }
                Inst::BrLtU { a, b, t, f, cost, at } => {
                    br_tick!(cost, at);
                    pc = if r!(a) < r!(b) { t } else { f } as usize;
                }
                Inst::BrEqImm { a, imm, t, f, cost, at } => {
                    br_tick!(cost, at);
                    pc = if r!(a) == imm { t } else { f } as usize;
                }
                Inst::BrLtSImm { a, imm, t, f, cost, at } => {
                    br_tick!(cost, at);
                    pc = if (r!(a) as i64) < (imm as i64) { t } else { f } as usize;
                }
                Inst::BrLtUImm { a, imm, t, f, cost, at } => {
                    br_tick!(cost, at);
                    pc = if r!(a) < imm { t } else { f } as usize;
                }
                Inst::BrGtSImm { a, imm, t, f, cost, at } => {
                    br_tick!(cost, at);
                    pc = if (imm as i64) < (r!(a) as i64) { t } else { f } as usize;
                }
                Inst::BrGtUImm { a, imm, t, f, cost, at } => {
                    br_tick!(cost, at);
                    pc = if imm < r!(a) { t } else { f } as usize;
                }
                Inst::Switch { val, table, cost } => {
                    tick!(cost);
                    let tab = &func.switches[table as usize];
                    let v = r!(val);
                    pc = match tab.cases.binary_search_by_key(&v, |c| c.0) {
                        Ok(i) => tab.cases[i].1,
                        Err(_) => tab.otherwise,
                    } as usize;
                }
                Inst::Call { func: callee_idx, call, cost } => {
                    tick!(cost);
                    if frames.len() >= self.config.max_stack_depth {
                        fail!(Stop::limit(
                            format!("call stack deeper than {} frames", self.config.max_stack_depth),
                            "raise it with --max-stack-depth N; unbounded recursion never ends"
                        ));
                    }
                    let site = &func.calls[call as usize];
                    let callee = &prog.functions[callee_idx as usize];
                    let new_base = base + func.frame_size as usize;
                    let new_len = new_base + callee.frame_size as usize;
                    if let Err(e) = self.memory.resize_stack(regs.len(), new_len) {
                        fail!(mem_stop(&self.memory, e, "this call's stack frame"));
                    }
                    regs.truncate(new_base);
                    regs.resize(new_len, 0);
                    for (i, a) in site.args.iter().enumerate() {
                        regs[new_base + i] = match *a {
                            Arg::Reg(s) => regs[base + s as usize],
                            Arg::Imm(v) => v,
                        };
                    }
                    if let Some(f) = frames.last_mut() {
                        f.pc = pc as Pc;
                    }
                    // Contexts name the stacks of race reports: without the detector they are
                    // interned later, if a foreign call needs the site (`materialize_contexts`).
                    cur_ctx =
                        if self.race.is_some() { self.contexts.child(cur_ctx, (pc - 1) as u32, callee_idx) } else { crate::context::LAZY };
                    frames.push(Frame {
                        func: callee_idx,
                        pc: 0,
                        base: new_base as u32,
                        ret_dst: site.dst,
                        ret_next: site.next,
                        ctx: cur_ctx,
                    });
                    func = callee;
                    code = &func.code;
                    pc = 0;
                    base = new_base;
                }
                Inst::Return { val, cost } => {
                    tick!(cost);
                    let v = if val == NO_SLOT { 0 } else { r!(val) };
                    for &s in &func.array_slots {
                        let span = func.spans[pc - 1];
                        match self.dealloc(r!(s), false, span, site!()) {
                            Ok(()) => {}
                            Err(Ok(race)) => fail!(race),
                            Err(Err(e)) => fail!(mem_stop(&self.memory, e, "deallocation of an array local")),
                        }
                    }
                    let done = frames.pop().expect("a running thread has a frame");
                    let Some(caller) = frames.last() else {
                        self.steps = steps;
                        frames.push(done);
                        return Ok(Event::Finished(v));
                    };
                    cur_ctx = caller.ctx;
                    func = &prog.functions[caller.func as usize];
                    code = &func.code;
                    base = caller.base as usize;
                    let old_len = regs.len();
                    regs.truncate(base + func.frame_size as usize);
                    let _ = self.memory.resize_stack(old_len, regs.len());
                    if done.ret_dst == crate::interrupt::INTERRUPT_SLOT {
                        // An interrupt frame: the interrupted code continues where it stopped.
                        self.steps = steps;
                        if let Some(f) = frames.last_mut() {
                            f.pc = done.ret_next;
                        }
                        let r = self.interrupt_frame_returned(host, frames, regs);
                        resume_top!(r);
                        continue;
                    } else if done.ret_dst != NO_SLOT {
                        r!(done.ret_dst) = v;
                    }
                    if done.ret_next == NO_PC {
                        pc = caller.pc as usize;
                        fail!(Stop::ub(
                            format!(
                                "function `{}` returned, but it was called without a return block",
                                prog.functions[done.func as usize].name
                            ),
                            "this call has no `-> LABEL`"
                        ));
                    }
                    pc = done.ret_next as usize;
                }
                Inst::Unreachable { cost } => {
                    tick!(cost);
                    fail!(Stop::ub("entering unreachable code", "`unreachable` was reached"));
                }
                Inst::CallUnknown { name, cost } => {
                    tick!(cost);
                    fail!(Stop::unsupported(format!("can't call foreign function `{}`", prog.strings[name as usize])));
                }
                Inst::CallForeign { id, call, cost } => {
                    tick!(cost);
                    let site = &func.calls[call as usize];
                    let mut args = [0u64; 8];
                    for (slot, a) in args.iter_mut().zip(&site.args) {
                        *slot = match *a {
                            Arg::Reg(s) => r!(s),
                            Arg::Imm(v) => v,
                        };
                    }
                    // Optional trailing arguments of variadic calls are passed as 0.
                    let nargs = 8;
                    self.call_touched = false;
                    self.steps = steps;
                    self.cur_span = func.spans[pc - 1];
                    if cur_ctx == crate::context::LAZY {
                        cur_ctx = self.materialize_contexts(frames);
                    }
                    self.cur_site = site!();
                    let me = self.active;
                    let ret = host.call(self, id, &args[..nargs]);
                    steps = self.steps;
                    if !self.call_touched {
                        // The host did not say what the call touched: it may touch anything.
                        self.mark(true, false);
                    }
                    match ret {
                        Ok(Ret::Value(v)) => {
                            if site.next == NO_PC {
                                if self.threads[me].is_terminated() {
                                    // A call that does not return ended its thread (its
                                    // process exited: `Machine::end_space`).
                                    return Ok(Event::Switch);
                                }
                                fail!(Stop::ub(
                                    "a function that was called without a return block returned",
                                    "this call has no `-> LABEL`"
                                ));
                            }
                            if site.dst != NO_SLOT {
                                r!(site.dst) = site.dst_ty.normalize(v);
                            }
                            pc = site.next as usize;
                            if !self.threads[me].interrupts.is_empty() {
                                // The call queued interrupt frames on its own thread: they run now.
                                if let Some(f) = frames.last_mut() {
                                    f.pc = pc as Pc;
                                }
                                let r = self.enter_interrupts(host, frames, regs);
                                resume_top!(r);
                            }
                        }
                        Ok(Ret::Blocked) => {
                            self.threads[me].pending_dst = (site.dst != NO_SLOT).then_some((site.dst, site.dst_ty));
                            self.threads[me].in_call = true;
                            // With no return block, NO_PC makes the thread fail when it resumes.
                            pc = site.next as usize;
                        }
                        Err(stop) => fail!(stop),
                    }
                    // A scheduling point.
                    if !self.threads[me].is_enabled() || self.yield_requested || self.sched.wants_decision() {
                        if let Some(f) = frames.last_mut() {
                            f.pc = pc as Pc;
                        }
                        if self.fork_pending.is_some() {
                            self.complete_fork(frames, regs, site.dst, site.dst_ty);
                        }
                        return Ok(Event::Switch);
                    }
                }
            }
        }
    }

    /// The atomic statements and fences, out of line: they are scheduling points, rare next to
    /// plain computation, and their bodies would crowd the hot loop. `r` is the frame's
    /// registers, `site` the instruction's race-report site; other instructions do nothing here.
    #[cold]
    #[inline(never)]
    fn atomic(&mut self, inst: Inst, r: &mut [u64], site: Site) -> VmResult<()> {
        // The address of an atomic access, checked for alignment: (alloc id, offset).
        macro_rules! atomic_addr {
            ($a:expr, $ty:expr) => {{
                let a = $a;
                let (id, off) = crate::memory::split(a);
                if off % $ty.size() as u64 != 0 {
                    return Err(Stop::ub(
                        format!("misaligned {}-byte atomic access", $ty.size()),
                        format!("{} is not {}-byte aligned", self.memory.describe(a), $ty.size()),
                    ));
                }
                (id, off)
            }};
        }
        macro_rules! race_check {
            ($r:expr) => {
                if let Err(race) = $r {
                    return Err(self.race_stop(&race));
                }
            };
        }
        macro_rules! footprint {
            ($a:expr, $size:expr, $write:expr) => {
                if let Some(f) = self.fp.as_deref_mut() {
                    f.access($a, $size as u64, $write);
                }
            };
        }
        // With weak memory, `seq_cst` operations are in the fences' total order: a fence
        // records their times (which commute among themselves), so they read the fence location.
        macro_rules! sc_footprint {
            ($ord:expr) => {
                if $ord == crate::race::Ordering::SeqCst && self.config.weak_memory {
                    if let Some(f) = self.fp.as_deref_mut() {
                        f.loc(crate::por::LOC_SC_FENCE, false);
                    }
                }
            };
        }
        match inst {
            Inst::AtomicLoad { ty, dst, addr, ord } => {
                // With weak memory, a `seq_cst` load restricts what later `seq_cst` loads of
                // the location may read (it is in the total order S): it writes, for the
                // reduction; and it depends on `seq_cst` fences.
                let sc_weak = ord == crate::race::Ordering::SeqCst && self.config.weak_memory;
                footprint!(r[addr as usize], ty.size(), sc_weak);
                if sc_weak {
                    if let Some(f) = self.fp.as_deref_mut() {
                        f.loc(crate::por::LOC_SC_FENCE, false);
                    }
                }
                let (id, off) = atomic_addr!(r[addr as usize], ty);
                let mut v = match self.memory.read_uint(r[addr as usize], ty.size()) {
                    Ok(v) => v,
                    Err(e) => return Err(mem_stop(&self.memory, e, "atomic load")),
                };
                if self.race.is_some() {
                    let choice = match self.choose_store(r[addr as usize], ty.size() as u64, ord) {
                        Ok(c) => c,
                        Err(s) => return Err(s),
                    };
                    match self.race_atomic(id, off, ty.size() as u64, site, AccessKind::AtomicLoad, ord, true, false, choice, v, 0) {
                        Ok(x) => v = x,
                        Err(race) => return Err(self.race_stop(&race)),
                    }
                }
                r[dst as usize] = ty.normalize(v);
            }
            Inst::AtomicStore { ty, addr, val, ord } => {
                footprint!(r[addr as usize], ty.size(), true);
                sc_footprint!(ord);
                let (id, off) = atomic_addr!(r[addr as usize], ty);
                // The value it overwrites starts the location's store buffer (weak memory).
                let old = if self.race.is_some() { self.memory.read_uint(r[addr as usize], ty.size()).unwrap_or(0) } else { 0 };
                if let Err(e) = self.memory.write_uint(r[addr as usize], ty.size(), r[val as usize]) {
                    return Err(mem_stop(&self.memory, e, "atomic store"));
                }
                if self.race.is_some() {
                    let new = r[val as usize];
                    race_check!(self.race_atomic(
                        id,
                        off,
                        ty.size() as u64,
                        site,
                        AccessKind::AtomicStore,
                        ord,
                        false,
                        true,
                        None,
                        old,
                        new
                    ));
                }
            }
            Inst::AtomicRmw { op, ty, dst, addr, val, ord } => {
                let a = r[addr as usize];
                footprint!(a, ty.size(), true);
                sc_footprint!(ord);
                let (id, off) = atomic_addr!(a, ty);
                let old = match self.memory.read_uint(a, ty.size()) {
                    Ok(v) => ty.normalize(v),
                    Err(e) => return Err(mem_stop(&self.memory, e, "atomic read-modify-write")),
                };
                let new = op.apply(ty, old, r[val as usize]);
                if let Err(e) = self.memory.write_uint(a, ty.size(), new) {
                    return Err(mem_stop(&self.memory, e, "atomic read-modify-write"));
                }
                self.note_from(a, old);
                if self.race.is_some() {
                    race_check!(self.race_atomic(id, off, ty.size() as u64, site, AccessKind::AtomicRmw, ord, true, true, None, old, new));
                }
                r[dst as usize] = old;
            }
            Inst::Cas(CasOp { ty, dst, ok, addr, expected, new, succ, fail })
            | Inst::CasLock(CasOp { ty, dst, ok, addr, expected, new, succ, fail }) => {
                let a = r[addr as usize];
                let (id, off) = atomic_addr!(a, ty);
                let old = match self.memory.read_uint(a, ty.size()) {
                    Ok(v) => ty.normalize(v),
                    Err(e) => return Err(mem_stop(&self.memory, e, "compare-and-swap")),
                };
                let swapped = old == r[expected as usize];
                // A failed one only reads (as a load does, in Nidhugg and GenMC): the stores
                // it could have succeeded after are writes, dependent with the read, so
                // exploration still reorders them with it; two failed ones commute. (With weak
                // memory a `seq_cst` one writes, as a `seq_cst` load does.)
                let sc_fail = fail == crate::race::Ordering::SeqCst && self.config.weak_memory;
                footprint!(a, ty.size(), swapped || sc_fail);
                sc_footprint!(if swapped { succ } else { fail });
                if swapped {
                    if let Err(e) = self.memory.write_uint(a, ty.size(), r[new as usize]) {
                        return Err(mem_stop(&self.memory, e, "compare-and-swap"));
                    }
                    self.note_from(a, old);
                }
                if self.race.is_some() {
                    let r = if swapped {
                        self.race_atomic(
                            id,
                            off,
                            ty.size() as u64,
                            site,
                            AccessKind::AtomicRmw,
                            succ,
                            true,
                            true,
                            None,
                            old,
                            r[new as usize],
                        )
                    } else {
                        self.race_atomic(id, off, ty.size() as u64, site, AccessKind::AtomicLoad, fail, true, false, None, old, 0)
                    };
                    race_check!(r);
                }
                r[dst as usize] = old;
                if ok != NO_SLOT {
                    r[ok as usize] = swapped as u64;
                }
            }
            Inst::Fence { ord } => {
                if let (Some(f), crate::race::Ordering::SeqCst) = (self.fp.as_deref_mut(), ord) {
                    f.loc(crate::por::LOC_SC_FENCE, true);
                }
                self.race_fence(ord, site);
            }
            _ => {}
        }
        Ok(())
    }

    /// With lock waits: records the word an atomic write changed and its old value
    /// ([`crate::por::Footprint::from`]).
    #[inline]
    fn note_from(&mut self, a: u64, old: u64) {
        if self.config.lock_waits {
            if let Some(f) = self.fp.as_deref_mut() {
                f.from = Some((a, old));
            }
        }
    }

    /// `cas.lock`: a compare-and-swap, but with lock waits ([`crate::Config::lock_waits`]) one
    /// that would fail does not run: the thread waits, having touched nothing, and makes it once
    /// the word holds the expected value (`Machine::refresh_lock_waits`). One that succeeds
    /// *awaits* the word's last write ([`crate::por::Footprint::awaits`]): exploration orders it
    /// after that write (the unlock) and reverses it with the acquisition before
    /// (docs/explore.md, "Lock waits"). `Ok(false)`: the thread waits.
    #[cold]
    #[inline(never)]
    fn cas_lock(&mut self, inst: Inst, r: &mut [u64], site: Site, span: crate::source::Span) -> VmResult<bool> {
        let Inst::CasLock(CasOp { ty, addr, expected, .. }) = inst else { return self.atomic(inst, r, site).map(|()| true) };
        if !self.config.lock_waits {
            return self.atomic(inst, r, site).map(|()| true);
        }
        let (a, want) = (r[addr as usize], r[expected as usize]);
        let t = self.active;
        let waits = !std::mem::take(&mut self.threads[t].lock_fallback) && self.spaces_empty();
        // Misaligned or unreadable words are the compare-and-swap's to report.
        let held = || a % ty.size() as u64 == 0 && self.memory.read_uint(a, ty.size()).is_ok_and(|v| ty.normalize(v) != want);
        if waits && held() {
            let th = &mut self.threads[t];
            th.lock_wait = Some(crate::thread::LockWait { addr: a, expected: want, ty });
            th.blocked_at = span;
            th.blocked_site = site;
            th.state = ThreadState::Blocked { reason: BlockReason::Lock(a), deadline: None, callback: None };
            return Ok(false);
        }
        self.threads[t].lock_wait = None;
        self.atomic(inst, r, site)?;
        if waits {
            if let Some(f) = self.fp.as_deref_mut() {
                f.awaits = Some(crate::por::mem_loc(a));
            }
        }
        Ok(true)
    }

    /// Interns the contexts of the frames that were called while the race detector was off
    /// (`LAZY`, a suffix of the stack), as `Contexts::child` would have when they were called;
    /// returns the innermost one.
    #[cold]
    #[inline(never)]
    pub(crate) fn materialize_contexts(&mut self, frames: &mut [Frame]) -> crate::context::CtxId {
        let first = frames.iter().rposition(|f| f.ctx != crate::context::LAZY).map_or(0, |i| i + 1);
        for i in first.max(1)..frames.len() {
            let (caller, callee) = (frames[i - 1], frames[i].func);
            frames[i].ctx = self.contexts.child(caller.ctx, caller.pc.wrapping_sub(1), callee);
        }
        frames.last().map_or(crate::context::LAZY, |f| f.ctx)
    }

    #[cold]
    fn ptr_overflow(&self, p: u64, off: i64, neg: bool) -> Box<Stop> {
        let off = if neg { off.wrapping_neg() } else { off };
        Stop::ub(
            "pointer arithmetic out of range",
            format!("moving {} by {off} bytes leaves its allocation's address range", self.memory.describe(p)),
        )
    }

    fn format(&self, pieces: &[FmtPiece], regs: &[u64]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in pieces {
            match p {
                FmtPiece::Lit(b) => out.extend_from_slice(b),
                FmtPiece::Arg { slot, ty, style } => {
                    let v = regs[*slot as usize];
                    let width_mask = if ty.bits() == 64 { u64::MAX } else { (1u64 << ty.bits()) - 1 };
                    let s = match (style, ty) {
                        (FmtStyle::Display, Ty::Bool) => (v != 0).to_string(),
                        (FmtStyle::Display, Ty::Ptr) => {
                            let (id, off) = crate::memory::split(v);
                            if v == 0 {
                                "null".to_string()
                            } else {
                                format!("alloc{id}+{off:#x}")
                            }
                        }
                        (FmtStyle::Display, Ty::Fn) => match self.program.fn_index(v) {
                            Some(f) => format!("fn {}", self.program.functions[f as usize].name),
                            None => format!("{v:#x}"),
                        },
                        (FmtStyle::Display, t) if t.is_signed() => (v as i64).to_string(),
                        (FmtStyle::Display, _) => v.to_string(),
                        (FmtStyle::Hex, _) => format!("{:x}", v & width_mask),
                        (FmtStyle::AltHex, _) => format!("{:#x}", v & width_mask),
                    };
                    out.extend_from_slice(s.as_bytes());
                }
            }
        }
        out
    }
}

/// Why [`run_hot`] stopped.
enum Exit {
    /// The instruction at `pc` is for the full loop: not plain computation, or it would fail,
    /// or its block passes the step bound. None of it has been done.
    Slow,
    /// The load or store at `pc - 1` was done and raced: the report is due.
    Race(Box<Race>),
}

/// The race detector's checks of [`run_hot`]'s loads and stores: the detector's, or none (the
/// loop is compiled once for each, so that without the detector it carries nothing of them).
trait HotChecks {
    const ON: bool;
    fn read(&mut self, id: crate::memory::AllocId, off: u64, size: u64, site: Site) -> Result<(), Box<Race>>;
    fn write(&mut self, id: crate::memory::AllocId, off: u64, size: u64, site: Site) -> Result<(), Box<Race>>;
}

/// No detector.
struct NoChecks;

impl HotChecks for NoChecks {
    const ON: bool = false;
    #[inline(always)]
    fn read(&mut self, _: crate::memory::AllocId, _: u64, _: u64, _: Site) -> Result<(), Box<Race>> {
        Ok(())
    }
    #[inline(always)]
    fn write(&mut self, _: crate::memory::AllocId, _: u64, _: u64, _: Site) -> Result<(), Box<Race>> {
        Ok(())
    }
}

impl HotChecks for &mut Detector {
    const ON: bool = true;
    #[inline(always)]
    fn read(&mut self, id: crate::memory::AllocId, off: u64, size: u64, site: Site) -> Result<(), Box<Race>> {
        Detector::read(self, id, off, size, 0, site)
    }
    #[inline(always)]
    fn write(&mut self, id: crate::memory::AllocId, off: u64, size: u64, site: Site) -> Result<(), Box<Race>> {
        Detector::write(self, id, off, size, 0, site)
    }
}

/// The hot loop: plain computation, loads and stores, jumps and branches, and (without the race
/// detector) guest calls and returns, with everything it touches in locals of a small function
/// (the full loop in `exec` is too big for its state to stay in registers). It stops before any
/// other instruction, before one that would fail (the full loop runs it again and reports the
/// failure where it is), and before a block whose cost passes `bound`, so what it does is
/// exactly what the full loop would have done. It runs the function of the frame on top of
/// `frames`, whose registers start at that frame's `base` in `regs`; a call or return changes
/// which frame that is (`exec` reads it again afterwards).
/// `ctx_site` is the current context, shifted as in a site; `mem` false sends loads and stores
/// to the full loop (a footprint is being recorded); `max_depth` is the stack depth limit.
#[allow(clippy::too_many_arguments)]
// The crate's only unsafe code: two unchecked reads, sound by the checks at the top and at
// every call and return, and an empty `asm!` statement (`go2!`).
#[allow(unsafe_code)]
#[inline(never)]
fn run_hot<C: HotChecks>(
    functions: &[Function],
    frames: &mut Vec<Frame>,
    regs: &mut Vec<u64>,
    pc: &mut usize,
    steps: &mut u64,
    bound: u64,
    memory: &mut Memory,
    mut race: C,
    mem: bool,
    ctx_site: u64,
    max_depth: usize,
) -> Exit {
    // Locals, written back once at the end: nothing else sees them meanwhile.
    let p = *pc;
    let Some(top) = frames.last() else { return Exit::Slow };
    let Some(func) = functions.get(top.func as usize) else { return Exit::Slow };
    let base = top.base as usize;
    let mut code: &[Inst] = &func.code;
    // The bounds checks, once: with `func.hot` (`ir::hot_checked`, established by the lowering
    // and never changed after), every register operand below is less than `func.frame_size`,
    // hence than `r.len()`; every jump target is an index into `code`; and `p` stays one,
    // because it starts as one, the last instruction never falls through, and jumps go to
    // targets. A call and a return establish the same for the function they go to before they
    // go (its `hot`, the length of its registers, the `pc` it starts at). That is what makes
    // the unchecked reads of `reg!` and `inst!` sound.
    if !func.hot || regs.len() < base + func.frame_size as usize || p >= code.len() || *steps > bound {
        return Exit::Slow;
    }
    // What only calls and returns use, together in one place (on the stack, through one
    // pointer): kept in locals of the loop, it took the machine registers the loop's own state
    // (`ip`, `r`, `fuel`, the code's address) needs on every instruction.
    let mut st = Stack { functions, frames, regs, max_depth, func, base };
    let mut r: &mut [u64] = &mut st.regs[base..];
    let mut win = Window::default();
    // Guest calls intern their calling context for race reports while the detector runs: then
    // they are left to the full loop.
    let calls = !C::ON;
    // The steps left before the bound: a block whose cost is more stops the loop. One
    // subtraction and its borrow per block instead of an addition and a comparison with the
    // bound; the step count is `bound - fuel` when the loop stops.
    let mut fuel = bound - *steps;
    // SAFETY (all three): see the check above.
    macro_rules! reg {
        ($s:expr) => {
            *unsafe { r.get_unchecked_mut($s as usize) }
        };
    }
    // The instruction at `p` is read through a pointer to it, `ip`, moved by `go!` and
    // `next!`: one load per dispatch instead of an index scaled and added each time (`here!`
    // gives the index back where it is needed). It points into `code` exactly when the index
    // is one into it, which the invariant keeps.
    let mut ip: *const Inst = unsafe { code.as_ptr().add(p) };
    macro_rules! go {
        ($p:expr) => {{
            let p = $p as usize;
            ip = unsafe { code.as_ptr().add(p) };
        }};
    }
    // A two-way branch: to `t` if `cond`, else to `f`. Written as two paths, the compiler makes
    // it a conditional move, and the next dispatch then waits for the comparison (the counting
    // loop ran at 230 M iterations/s; with this alone, 240-360 M); the empty `asm!` statement,
    // which it may not move or merge, keeps it a branch, whose way the processor predicts.
    macro_rules! go2 {
        ($cond:expr, $t:expr, $f:expr) => {{
            if $cond {
                go!($t);
            } else {
                // SAFETY: no instruction, no memory or stack touched, flags kept.
                #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
                unsafe {
                    std::arch::asm!("", options(nomem, nostack, preserves_flags))
                };
                go!($f);
            }
        }};
    }
    macro_rules! next {
        () => {{
            ip = unsafe { ip.add(1) };
        }};
    }
    macro_rules! here {
        () => {
            unsafe { ip.offset_from(code.as_ptr()) as usize }
        };
    }
    macro_rules! inst {
        () => {
            *unsafe { &*ip }
        };
    }
    // Ticks a terminator's block, or stops before it when it would pass the bound.
    macro_rules! tick {
        ($cost:expr) => {{
            match fuel.checked_sub($cost as u64) {
                Some(f) => fuel = f,
                None => break Exit::Slow,
            }
        }};
    }
    // A two-way branch: tick its block(s), go to `t` if `cond`, else to `f`.
    macro_rules! branch {
        ($cost:expr, $cond:expr, $t:expr, $f:expr) => {{
            tick!($cost);
            go2!($cond, $t, $f);
            continue;
        }};
    }
    // A load and a store of a `ty` (the value in `$val`); a race is reported after the access,
    // as the full loop does.
    macro_rules! hot_load {
        ($ty:expr, $dst:expr, $addr:expr) => {{
            let (ty, a): (Ty, u64) = ($ty, reg!($addr));
            // With the detector, through the window; without, the window's state took machine
            // registers from the loop's own (the counting loop went from 430 to 390 M
            // iterations/s), and the records' table is asked each time.
            let v = if C::ON { win.load(memory, a, ty.size()) } else { memory.read_uint(a, ty.size()).ok() };
            match v {
                Some(v) => reg!($dst) = ty.normalize(v),
                None => break Exit::Slow,
            }
            if C::ON {
                let (id, off) = crate::memory::split(a);
                if let Err(x) = race.read(id, off, ty.size() as u64, ctx_site | here!() as u64) {
                    next!();
                    break Exit::Race(x);
                }
            }
        }};
    }
    macro_rules! hot_store {
        ($ty:expr, $addr:expr, $val:expr) => {{
            let (ty, a, v): (Ty, u64, u64) = ($ty, reg!($addr), $val);
            let stored = if C::ON { win.store(memory, a, ty.size(), v) } else { memory.write_uint(a, ty.size(), v).is_ok() };
            if !stored {
                break Exit::Slow;
            }
            if C::ON {
                let (id, off) = crate::memory::split(a);
                if let Err(x) = race.write(id, off, ty.size() as u64, ctx_site | here!() as u64) {
                    next!();
                    break Exit::Race(x);
                }
            }
        }};
    }
    let exit = loop {
        match inst!() {
            Inst::Const { dst, val } => reg!(dst) = val,
            Inst::Copy { dst, src } => reg!(dst) = reg!(src),
            Inst::AddI64 { dst, a, b } => match (reg!(a) as i64).checked_add(reg!(b) as i64) {
                Some(v) => reg!(dst) = v as u64,
                None => break Exit::Slow,
            },
            Inst::AddImmI64 { dst, a, imm } => match (reg!(a) as i64).checked_add(imm as i64) {
                Some(v) => reg!(dst) = v as u64,
                None => break Exit::Slow,
            },
            Inst::SubI64 { dst, a, b } => match (reg!(a) as i64).checked_sub(reg!(b) as i64) {
                Some(v) => reg!(dst) = v as u64,
                None => break Exit::Slow,
            },
            Inst::SubImmI64 { dst, a, imm } => match (reg!(a) as i64).checked_sub(imm as i64) {
                Some(v) => reg!(dst) = v as u64,
                None => break Exit::Slow,
            },
            Inst::WAdd64 { dst, a, b } => reg!(dst) = reg!(a).wrapping_add(reg!(b)),
            Inst::AndImm { dst, a, imm } => reg!(dst) = reg!(a) & imm,
            Inst::MulImmI64 { dst, a, imm } => match (reg!(a) as i64).checked_mul(imm as i64) {
                Some(v) => reg!(dst) = v as u64,
                None => break Exit::Slow,
            },
            Inst::WAddImm64 { dst, a, imm } => reg!(dst) = reg!(a).wrapping_add(imm),
            Inst::Arith { op, ty, dst, a, b } => match arith(op, ty, reg!(a), reg!(b)) {
                Ok(v) => reg!(dst) = v,
                Err(_) => break Exit::Slow,
            },
            Inst::ArithImm { op, ty, dst, a, imm } => match arith(op, ty, reg!(a), imm) {
                Ok(v) => reg!(dst) = v,
                Err(_) => break Exit::Slow,
            },
            Inst::ArithImmL { op, ty, dst, imm, b } => match arith(op, ty, imm, reg!(b)) {
                Ok(v) => reg!(dst) = v,
                Err(_) => break Exit::Slow,
            },
            Inst::Cmp { op, dst, a, b } => reg!(dst) = op.eval(reg!(a), reg!(b)) as u64,
            Inst::CmpImm { op, dst, a, imm } => reg!(dst) = op.eval(reg!(a), imm) as u64,
            Inst::CmpImmL { op, dst, imm, b } => reg!(dst) = op.eval(imm, reg!(b)) as u64,
            Inst::Not { ty, dst, a } => reg!(dst) = ty.normalize(!reg!(a)),
            Inst::Cast { to, dst, src } => reg!(dst) = to.normalize(reg!(src)),
            Inst::PtrAdd { dst, p: ptr, off, neg } => {
                let o = reg!(off) as i64;
                match ptr_offset(reg!(ptr), if neg { o.wrapping_neg() } else { o }) {
                    Some(v) => reg!(dst) = v,
                    None => break Exit::Slow,
                }
            }
            Inst::PtrAddImm { dst, p: ptr, off } => match ptr_offset(reg!(ptr), off) {
                Some(v) => reg!(dst) = v,
                None => break Exit::Slow,
            },
            Inst::Load { ty, dst, addr } if mem => hot_load!(ty, dst, addr),
            Inst::Load64 { dst, addr } if mem => hot_load!(Ty::U64, dst, addr),
            Inst::Store { ty, addr, val } if mem => hot_store!(ty, addr, reg!(val)),
            Inst::Store64 { addr, val } if mem => hot_store!(Ty::U64, addr, reg!(val)),
            Inst::StoreImm { ty, addr, val } if mem => hot_store!(ty, addr, val),
            Inst::Assert { cond, .. } if reg!(cond) != 0 => {}
            Inst::Jump { target, cost } => {
                tick!(cost);
                go!(target);
                continue;
            }
            // `a = a + step`, then the fused loop test that stands after it (see
            // `Inst::IncBrLtSImm`): one dispatch for both when the test's blocks fit the bound;
            // otherwise the test runs on its own, where it stands, and stops the loop there.
            Inst::IncBrLtSImm { a, step, limit, t, f, cost } => {
                let Some(v) = (reg!(a) as i64).checked_add(step as i64) else { break Exit::Slow };
                reg!(a) = v as u64;
                if let Some(left) = fuel.checked_sub(cost as u64) {
                    fuel = left;
                    go2!(v < limit as i64, t, f);
                    continue;
                }
            }
            Inst::IncBrLtS { a, step, b, t, f, cost } => {
                let Some(v) = (reg!(a) as i64).checked_add(step as i64) else { break Exit::Slow };
                reg!(a) = v as u64;
                if let Some(left) = fuel.checked_sub(cost as u64) {
                    fuel = left;
                    go2!(v < reg!(b) as i64, t, f);
                    continue;
                }
            }
            // A guest call and a return to a guest caller, as the full loop makes them (without
            // the detector: no context is interned), out of line (`Stack`). The step count is
            // checked first and taken only if the call or return is made.
            Inst::Call { func: callee, call, cost } if calls => {
                let Some(left) = fuel.checked_sub(cost as u64) else { break Exit::Slow };
                if !st.call(memory, here!(), callee, call) {
                    break Exit::Slow;
                }
                fuel = left;
                code = &st.func.code;
                r = &mut st.regs[st.base..];
                go!(0);
                continue;
            }
            Inst::Return { val, cost } if calls => {
                let Some(left) = fuel.checked_sub(cost as u64) else { break Exit::Slow };
                let Some(next) = st.ret(memory, val) else { break Exit::Slow };
                fuel = left;
                code = &st.func.code;
                r = &mut st.regs[st.base..];
                go!(next);
                continue;
            }
            // Two-way branches, one variant per comparison (`Inst::br_cmp`): a fused one (`at`
            // set) ticks both its blocks at once, as the full loop does below the bound.
            Inst::Branch { cond, t, f, cost, .. } => branch!(cost, reg!(cond) != 0, t, f),
            Inst::BrEq { a, b, t, f, cost, .. } => branch!(cost, reg!(a) == reg!(b), t, f),
            Inst::BrLtS { a, b, t, f, cost, .. } => branch!(cost, (reg!(a) as i64) < (reg!(b) as i64), t, f),
            Inst::BrLtU { a, b, t, f, cost, .. } => branch!(cost, reg!(a) < reg!(b), t, f),
            Inst::BrEqImm { a, imm, t, f, cost, .. } => branch!(cost, reg!(a) == imm, t, f),
            Inst::BrLtSImm { a, imm, t, f, cost, .. } => branch!(cost, (reg!(a) as i64) < (imm as i64), t, f),
            Inst::BrLtUImm { a, imm, t, f, cost, .. } => branch!(cost, reg!(a) < imm, t, f),
            Inst::BrGtSImm { a, imm, t, f, cost, .. } => branch!(cost, (imm as i64) < (reg!(a) as i64), t, f),
            Inst::BrGtUImm { a, imm, t, f, cost, .. } => branch!(cost, imm < reg!(a), t, f),
            _ => break Exit::Slow,
        }
        next!();
    };
    *pc = here!();
    *steps = bound - fuel;
    exit
}

/// The guest stack as [`run_hot`]'s calls and returns see it: the frames, the registers, and
/// the function of the frame on top with the start of its registers. A call or return keeps
/// the invariant `run_hot` relies on: `func.hot`, `regs.len() - base == func.frame_size`, and
/// the `pc` it returns inside `func.code`.
struct Stack<'a> {
    functions: &'a [Function],
    frames: &'a mut Vec<Frame>,
    regs: &'a mut Vec<u64>,
    max_depth: usize,
    func: &'a Function,
    base: usize,
}

/// The allocation the hot loop accessed last: its id, and the address, length and writability
/// of its bytes. An access to it goes straight to its bytes; one to another allocation looks
/// that one up in the records' table ([`Memory::bytes_mut`]) and takes its place.
///
/// Used by the detector's copy of the loop only (see `hot_load!`). Sound because nothing run
/// in the hot loop makes, frees, grows or moves an allocation: it runs no `AllocLocal` and no
/// foreign call (`free`, `realloc`, everything the host does), and with the detector it makes
/// no guest call or return either (without it, `Stack::call` goes only to `hot` functions and
/// adds registers, and `Stack::ret` leaves a frame with array locals to the full loop). So the
/// bytes an allocation had when the window was filled are its bytes until `run_hot` returns,
/// and the window is a local of `run_hot`. A freed allocation has no bytes (length 0), and an
/// access past the end of the window is left to the full loop, which reports it. The records'
/// table is not touched through the pointer: `fill` asks it for another allocation's vector,
/// whose `as_mut_ptr` makes no reference to the bytes of the one before.
struct Window {
    id: crate::memory::AllocId,
    ptr: *mut u8,
    len: u64,
    writable: bool,
}

impl Default for Window {
    /// No allocation (id 0, null, has no bytes).
    fn default() -> Self {
        Window { id: 0, ptr: std::ptr::null_mut(), len: 0, writable: false }
    }
}

impl Window {
    /// Makes allocation `id` the window's (`false` if it has none: a forged id).
    #[inline(never)]
    fn fill(&mut self, memory: &mut Memory, id: crate::memory::AllocId) -> bool {
        let Some((bytes, writable)) = memory.bytes_mut(id) else { return false };
        // `as_mut_ptr` makes no reference to the bytes: the pointer stays valid as long as the
        // vector is neither dropped nor resized (see the type's docs).
        *self = Window { id, ptr: bytes.as_mut_ptr(), len: bytes.len() as u64, writable };
        true
    }

    /// The `size`-byte integer (1, 2, 4, 8) at `addr`, little-endian, zero-extended; `None` if
    /// the access is not within a live allocation's bytes (the full loop then makes it, and
    /// reports what is wrong with it).
    #[inline(always)]
    fn load(&mut self, memory: &mut Memory, addr: u64, size: u32) -> Option<u64> {
        let (id, off) = crate::memory::split(addr);
        if id != self.id && !self.fill(memory, id) {
            return None;
        }
        if off + size as u64 > self.len {
            return None;
        }
        // SAFETY: `off + size` bytes from `ptr` are the allocation's (checked just above, with
        // `len` its length: `off` and `size` are below 2^32, so the sum does not wrap), and
        // they are still its bytes (the type's docs). Unaligned reads of plain bytes.
        #[allow(unsafe_code)]
        let v = unsafe {
            let p = self.ptr.add(off as usize);
            match size {
                8 => u64::from_le(p.cast::<u64>().read_unaligned()),
                4 => u32::from_le(p.cast::<u32>().read_unaligned()) as u64,
                2 => u16::from_le(p.cast::<u16>().read_unaligned()) as u64,
                _ => *p as u64,
            }
        };
        Some(v)
    }

    /// Writes the low `size` bytes of `v` at `addr`, little-endian; `false` if the access is not
    /// within a live, writable allocation's bytes (left to the full loop, as for a load).
    #[inline(always)]
    fn store(&mut self, memory: &mut Memory, addr: u64, size: u32, v: u64) -> bool {
        let (id, off) = crate::memory::split(addr);
        if id != self.id && !self.fill(memory, id) {
            return false;
        }
        if off + size as u64 > self.len || !self.writable {
            return false;
        }
        // SAFETY: as in `load`; the allocation is not read-only (`writable`).
        #[allow(unsafe_code)]
        unsafe {
            let p = self.ptr.add(off as usize);
            match size {
                8 => p.cast::<u64>().write_unaligned(v.to_le()),
                4 => p.cast::<u32>().write_unaligned((v as u32).to_le()),
                2 => p.cast::<u16>().write_unaligned((v as u16).to_le()),
                _ => *p = v as u8,
            }
        }
        true
    }
}

impl<'a> Stack<'a> {
    /// The guest call at `at` to function `callee`, with the arguments of call site `call`,
    /// made as the full loop makes it. Everything that could stop it is looked at before
    /// anything changes: `false` leaves it to the full loop, untouched. The callee starts at 0.
    #[inline(never)]
    fn call(&mut self, memory: &mut Memory, at: usize, callee: u32, call: u32) -> bool {
        let (Some(to), Some(site)) = (self.functions.get(callee as usize), self.func.calls.get(call as usize)) else {
            return false;
        };
        let base = self.base;
        let new_base = base + self.func.frame_size as usize;
        let new_len = new_base + to.frame_size as usize;
        if !to.hot || self.frames.len() >= self.max_depth || site.args.len() > to.frame_size as usize {
            return false;
        }
        if memory.resize_stack(self.regs.len(), new_len).is_err() {
            return false;
        }
        // The callee's registers: its arguments, then zeros, eight at a time (a copy of a
        // constant size is a few vector stores; `resize` called `memset`, and a push per zero
        // wrote the length back each time), the surplus cut off.
        let regs = &mut *self.regs;
        regs.truncate(new_base);
        for a in &site.args {
            let v = match *a {
                Arg::Reg(s) => regs[base + s as usize],
                Arg::Imm(v) => v,
            };
            regs.push(v);
        }
        while regs.len() < new_len {
            regs.extend_from_slice(&[0; 8]);
        }
        regs.truncate(new_len);
        if let Some(top) = self.frames.last_mut() {
            top.pc = (at + 1) as Pc;
        }
        let frame = Frame { func: callee, pc: 0, base: new_base as u32, ret_dst: site.dst, ret_next: site.next, ctx: crate::context::LAZY };
        self.frames.push(frame);
        self.func = to;
        self.base = new_base;
        true
    }

    /// The top frame returns the value in its register `val` to a guest caller, as the full
    /// loop does it. A return that frees array locals, ends the thread or leaves an interrupt
    /// frame is the full loop's, and so is one the checks refuse: `None`, nothing changed.
    /// Returns where the caller goes on.
    #[inline(never)]
    fn ret(&mut self, memory: &mut Memory, val: Slot) -> Option<usize> {
        let n = self.frames.len();
        if !self.func.array_slots.is_empty() || n < 2 {
            return None;
        }
        let (done, caller) = (self.frames[n - 1], self.frames[n - 2]);
        let v = if val == NO_SLOT { 0 } else { *self.regs.get(self.base + val as usize)? };
        let to = self.functions.get(caller.func as usize)?;
        let to_base = caller.base as usize;
        let to_end = to_base + to.frame_size as usize;
        let dst_ok = done.ret_dst == NO_SLOT || done.ret_dst < to.frame_size;
        if !to.hot || !dst_ok || done.ret_next as usize >= to.code.len() || self.regs.len() < to_end {
            return None;
        }
        self.frames.pop();
        let old_len = self.regs.len();
        self.regs.truncate(to_end);
        let _ = memory.resize_stack(old_len, to_end);
        if done.ret_dst != NO_SLOT {
            self.regs[to_base + done.ret_dst as usize] = v;
        }
        self.func = to;
        self.base = to_base;
        Some(done.ret_next as usize)
    }
}

/// Moves a pointer by `off` bytes. The offset wraps modulo 2^32, so a pointer may go below its
/// allocation and come back (only its use is checked); a move by 2^32 bytes or more at once would
/// wrap onto the allocation itself, so it is refused (`None`).
#[inline(always)]
fn ptr_offset(p: u64, off: i64) -> Option<u64> {
    if off.unsigned_abs() > u32::MAX as u64 {
        return None;
    }
    let (id, o) = crate::memory::split(p);
    Some(crate::memory::addr(id, (o as u32).wrapping_add(off as u32) as u64))
}

impl<H: Host> Machine<H> {
    /// The interpreter passed its step bound (`tick!`): the step limit, or a checkpoint, where
    /// an interrupt is looked at and the console flushed. Returns the next bound.
    #[cold]
    #[inline(never)]
    fn checkpoint(&mut self, steps: u64) -> VmResult<u64> {
        let max_steps = self.config.max_steps.unwrap_or(u64::MAX);
        if steps > max_steps {
            return Err(Stop::limit(format!("the program ran more than {max_steps} steps"), "raise it with --max-steps N"));
        }
        if self.interrupted() {
            self.steps = steps;
            return Err(self.interrupt_stop(Some(crate::error::HERE)));
        }
        self.check_clock()?;
        // What the guest printed reaches its reader even if it never stops.
        let _ = self.console.out.flush();
        self.next_interrupt_check = steps + crate::machine::INTERRUPT_CHECK;
        Ok(max_steps.min(self.next_interrupt_check))
    }
}
