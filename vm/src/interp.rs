//! The dispatch loop. One `match` over `Inst`, run until the thread reaches a scheduling point.
//! Everything it touches per instruction is a local: the code slice, the pc, the frame base, the
//! register file and the step counter. Failures carry a placeholder span that is replaced here
//! by the span of the failing instruction.

use crate::error::{Stop, VmResult};
use crate::ir::*;
use crate::machine::{mem_stop, Event, Host, Machine, Ret};
use crate::memory::{AllocKind, Memory};
use crate::race::{AccessKind, Detector, Race, Site};
use crate::thread::Frame;
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

        // The fused `Jump*` superinstructions: both blocks' costs in one addition; past the
        // bound (cold), the jump's block and the branch's are ticked one after the other, each
        // located where it stands, so a step limit stops exactly where it would without fusion.
        macro_rules! jump_tick {
            ($cost:expr, $at:expr) => {{
                let total = $cost as u64;
                if steps + total > bound {
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
            // Plain computation runs in the small loop of `run_hot`; it hands back what it does
            // not do, untouched, and that one instruction runs below.
            let ctx_site = (cur_ctx as u64) << 32;
            let mem = self.fp.is_none();
            if let Exit::Race(race) =
                run_hot(code, &mut regs[base..], &mut pc, &mut steps, bound, &mut self.memory, self.race.as_mut(), mem, ctx_site)
            {
                fail!(self.race_stop(&race));
            }
            // Match on the place, not a copy: only the fields an arm binds are read.
            let inst = &code[pc];
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
                Inst::WAdd64 { dst, a, b } => r!(dst) = r!(a).wrapping_add(r!(b)),
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
                Inst::Load { ty, dst, addr } => {
                    let a = r!(addr);
                    footprint!(a, ty.size(), false);
                    match self.memory.read_uint(a, ty.size()) {
                        Ok(v) => r!(dst) = ty.normalize(v),
                        Err(e) => fail!(mem_stop(&self.memory, e, "memory read")),
                    }
                    if let Some(rd) = &mut self.race {
                        let (id, off) = crate::memory::split(a);
                        race_check!(rd.read(id, off, ty.size() as u64, 0, site!()));
                    }
                }
                Inst::Store { ty, addr, val } => {
                    let a = r!(addr);
                    footprint!(a, ty.size(), true);
                    if let Err(e) = self.memory.write_uint(a, ty.size(), r!(val)) {
                        fail!(mem_stop(&self.memory, e, "memory write"))
                    }
                    if let Some(rd) = &mut self.race {
                        let (id, off) = crate::memory::split(a);
                        race_check!(rd.write(id, off, ty.size() as u64, 0, site!()));
                    }
                }
                Inst::StoreImm { ty, addr, val } => {
                    let a = r!(addr);
                    footprint!(a, ty.size(), true);
                    if let Err(e) = self.memory.write_uint(a, ty.size(), val) {
                        fail!(mem_stop(&self.memory, e, "memory write"))
                    }
                    if let Some(rd) = &mut self.race {
                        let (id, off) = crate::memory::split(a);
                        race_check!(rd.write(id, off, ty.size() as u64, 0, site!()));
                    }
                }
                Inst::AtomicLoad { .. } | Inst::AtomicStore { .. } | Inst::AtomicRmw { .. } | Inst::Cas { .. } | Inst::Fence { .. } => {
                    if let Err(e) = self.atomic(*inst, &mut regs[base..], site!()) {
                        fail!(e);
                    }
                    sched_point!();
                }
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
                    let kind = AllocKind::Local { func: func.name.clone(), name: a.name.clone() };
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
                Inst::Branch { cond, t, f, cost } => {
                    tick!(cost);
                    pc = if r!(cond) != 0 { t } else { f } as usize;
                }
                Inst::BrCmp { op, a, b, t, f, cost } => {
                    tick!(cost);
                    pc = if op.eval(r!(a), r!(b)) { t } else { f } as usize;
                }
                Inst::BrCmpImm { op, a, imm, t, f, cost } => {
                    tick!(cost);
                    pc = if op.eval(r!(a), imm) { t } else { f } as usize;
                }
                Inst::JumpBranch { cond, t, f, cost, at } => {
                    jump_tick!(cost, at);
                    pc = if r!(cond) != 0 { t } else { f } as usize;
                }
                Inst::JumpBrCmp { op, a, b, t, f, cost, at } => {
                    jump_tick!(cost, at);
                    pc = if op.eval(r!(a), r!(b)) { t } else { f } as usize;
                }
                Inst::JumpBrCmpImm { op, a, imm, t, f, cost, at } => {
                    jump_tick!(cost, at);
                    pc = if op.eval(r!(a), imm) { t } else { f } as usize;
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
                if self.race.is_some() {
                    race_check!(self.race_atomic(id, off, ty.size() as u64, site, AccessKind::AtomicRmw, ord, true, true, None, old, new));
                }
                r[dst as usize] = old;
            }
            Inst::Cas { ty, dst, ok, addr, expected, new, succ, fail } => {
                let a = r[addr as usize];
                let (id, off) = atomic_addr!(a, ty);
                let old = match self.memory.read_uint(a, ty.size()) {
                    Ok(v) => ty.normalize(v),
                    Err(e) => return Err(mem_stop(&self.memory, e, "compare-and-swap")),
                };
                let swapped = old == r[expected as usize];
                // A write even when it fails: whether it succeeds depends on the order of
                // the stores before it, and exploration reorders them (docs/explore.md).
                footprint!(a, ty.size(), true);
                sc_footprint!(if swapped { succ } else { fail });
                if swapped {
                    if let Err(e) = self.memory.write_uint(a, ty.size(), r[new as usize]) {
                        return Err(mem_stop(&self.memory, e, "compare-and-swap"));
                    }
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

/// The hot loop: plain computation, loads and stores, jumps and branches, with everything it
/// touches in locals of a small function (the full loop in `exec` is too big for its state to
/// stay in registers). It stops before any other instruction, before one that would fail (the
/// full loop runs it again and reports the failure where it is), and before a block whose cost
/// passes `bound`, so what it does is exactly what the full loop would have done.
/// `regs` is the frame's registers; `ctx_site` the current context, shifted as in a site;
/// `mem` false sends loads and stores to the full loop (a footprint is being recorded).
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn run_hot(
    code: &[Inst],
    r: &mut [u64],
    pc: &mut usize,
    steps: &mut u64,
    bound: u64,
    memory: &mut Memory,
    mut race: Option<&mut Detector>,
    mem: bool,
    ctx_site: u64,
) -> Exit {
    // Locals, written back once at the end: nothing else sees them meanwhile.
    let mut p = *pc;
    let mut st = *steps;
    // Ticks a terminator's block, or stops before it when it would pass the bound.
    macro_rules! tick {
        ($cost:expr) => {{
            let s = st + $cost as u64;
            if s > bound {
                break Exit::Slow;
            }
            st = s;
        }};
    }
    let exit = loop {
        match code[p] {
            Inst::Const { dst, val } => r[dst as usize] = val,
            Inst::Copy { dst, src } => r[dst as usize] = r[src as usize],
            Inst::AddI64 { dst, a, b } => match (r[a as usize] as i64).checked_add(r[b as usize] as i64) {
                Some(v) => r[dst as usize] = v as u64,
                None => break Exit::Slow,
            },
            Inst::AddImmI64 { dst, a, imm } => match (r[a as usize] as i64).checked_add(imm as i64) {
                Some(v) => r[dst as usize] = v as u64,
                None => break Exit::Slow,
            },
            Inst::SubI64 { dst, a, b } => match (r[a as usize] as i64).checked_sub(r[b as usize] as i64) {
                Some(v) => r[dst as usize] = v as u64,
                None => break Exit::Slow,
            },
            Inst::SubImmI64 { dst, a, imm } => match (r[a as usize] as i64).checked_sub(imm as i64) {
                Some(v) => r[dst as usize] = v as u64,
                None => break Exit::Slow,
            },
            Inst::WAdd64 { dst, a, b } => r[dst as usize] = r[a as usize].wrapping_add(r[b as usize]),
            Inst::WAddImm64 { dst, a, imm } => r[dst as usize] = r[a as usize].wrapping_add(imm),
            Inst::Arith { op, ty, dst, a, b } => match arith(op, ty, r[a as usize], r[b as usize]) {
                Ok(v) => r[dst as usize] = v,
                Err(_) => break Exit::Slow,
            },
            Inst::ArithImm { op, ty, dst, a, imm } => match arith(op, ty, r[a as usize], imm) {
                Ok(v) => r[dst as usize] = v,
                Err(_) => break Exit::Slow,
            },
            Inst::ArithImmL { op, ty, dst, imm, b } => match arith(op, ty, imm, r[b as usize]) {
                Ok(v) => r[dst as usize] = v,
                Err(_) => break Exit::Slow,
            },
            Inst::Cmp { op, dst, a, b } => r[dst as usize] = op.eval(r[a as usize], r[b as usize]) as u64,
            Inst::CmpImm { op, dst, a, imm } => r[dst as usize] = op.eval(r[a as usize], imm) as u64,
            Inst::CmpImmL { op, dst, imm, b } => r[dst as usize] = op.eval(imm, r[b as usize]) as u64,
            Inst::Not { ty, dst, a } => r[dst as usize] = ty.normalize(!r[a as usize]),
            Inst::Cast { to, dst, src } => r[dst as usize] = to.normalize(r[src as usize]),
            Inst::PtrAdd { dst, p: ptr, off, neg } => {
                let o = r[off as usize] as i64;
                match ptr_offset(r[ptr as usize], if neg { o.wrapping_neg() } else { o }) {
                    Some(v) => r[dst as usize] = v,
                    None => break Exit::Slow,
                }
            }
            Inst::PtrAddImm { dst, p: ptr, off } => match ptr_offset(r[ptr as usize], off) {
                Some(v) => r[dst as usize] = v,
                None => break Exit::Slow,
            },
            Inst::Load { ty, dst, addr } if mem => {
                let a = r[addr as usize];
                match memory.read_uint(a, ty.size()) {
                    Ok(v) => r[dst as usize] = ty.normalize(v),
                    Err(_) => break Exit::Slow,
                }
                if let Some(rd) = race.as_deref_mut() {
                    let (id, off) = crate::memory::split(a);
                    if let Err(x) = rd.read(id, off, ty.size() as u64, 0, ctx_site | p as u64) {
                        p += 1;
                        break Exit::Race(x);
                    }
                }
            }
            Inst::Store { ty, addr, val } if mem => {
                let a = r[addr as usize];
                if memory.write_uint(a, ty.size(), r[val as usize]).is_err() {
                    break Exit::Slow;
                }
                if let Some(rd) = race.as_deref_mut() {
                    let (id, off) = crate::memory::split(a);
                    if let Err(x) = rd.write(id, off, ty.size() as u64, 0, ctx_site | p as u64) {
                        p += 1;
                        break Exit::Race(x);
                    }
                }
            }
            Inst::StoreImm { ty, addr, val } if mem => {
                let a = r[addr as usize];
                if memory.write_uint(a, ty.size(), val).is_err() {
                    break Exit::Slow;
                }
                if let Some(rd) = race.as_deref_mut() {
                    let (id, off) = crate::memory::split(a);
                    if let Err(x) = rd.write(id, off, ty.size() as u64, 0, ctx_site | p as u64) {
                        p += 1;
                        break Exit::Race(x);
                    }
                }
            }
            Inst::Assert { cond, .. } if r[cond as usize] != 0 => {}
            Inst::Jump { target, cost } => {
                tick!(cost);
                p = target as usize;
                continue;
            }
            Inst::Branch { cond, t, f, cost } | Inst::JumpBranch { cond, t, f, cost, .. } => {
                tick!(cost);
                p = if r[cond as usize] != 0 { t } else { f } as usize;
                continue;
            }
            Inst::BrCmp { op, a, b, t, f, cost } | Inst::JumpBrCmp { op, a, b, t, f, cost, .. } => {
                tick!(cost);
                p = if op.eval(r[a as usize], r[b as usize]) { t } else { f } as usize;
                continue;
            }
            Inst::BrCmpImm { op, a, imm, t, f, cost } | Inst::JumpBrCmpImm { op, a, imm, t, f, cost, .. } => {
                tick!(cost);
                p = if op.eval(r[a as usize], imm) { t } else { f } as usize;
                continue;
            }
            _ => break Exit::Slow,
        }
        p += 1;
    };
    *pc = p;
    *steps = st;
    exit
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
        // What the guest printed reaches its reader even if it never stops.
        let _ = self.console.out.flush();
        self.next_interrupt_check = steps + crate::machine::INTERRUPT_CHECK;
        Ok(max_steps.min(self.next_interrupt_check))
    }
}
