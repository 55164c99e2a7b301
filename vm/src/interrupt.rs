//! Interrupt frames: a guest function run on a thread asynchronously, on top of whatever the
//! thread was doing, which then continues exactly where it stopped.
//!
//! The VM knows nothing of Linux signals: a host queues a frame with
//! [`Machine::push_interrupt_frame`] (a function, its arguments and a token of its own), and
//! may first wake a thread blocked in a foreign call with [`Machine::interrupt_thread`], whose
//! callback then completes the call (an error such as `EINTR`) or asks for it to be made again
//! after the frames ([`Machine::restart_call`]). Queued frames are entered when the thread next
//! runs guest code: at once if it is the thread whose foreign call queued them (after that call
//! returns) or a blocked call of the thread was interrupted for them; otherwise — the thread
//! was stopped between two steps of its own code — anywhere in the code it runs next, before a
//! memory access, an atomic or `print` (a delivery choice of the scheduler,
//! [`crate::sched::Scheduler::pick_delay`]: enter now or postpone past that step), and at the
//! latest before its next foreign call or its end. So exploration varies where the frame lands
//! both among the other threads' steps and among the thread's own. The host hears of each frame
//! entered and returned ([`crate::Host::interrupt_entered`], [`crate::Host::interrupt_returned`]);
//! shims build Linux's signal semantics on these (ARCHITECTURE.md).

use crate::error::{Stop, VmResult};
use crate::ir::NO_SLOT;
use crate::machine::{mem_stop, Host, Machine};
use crate::thread::{Frame, Interrupt, ThreadId, ThreadState};

/// The `ret_dst` of an interrupt frame: its return value goes nowhere, and its return tells the
/// host.
pub(crate) const INTERRUPT_SLOT: crate::ir::Slot = NO_SLOT - 1;

impl<H: Host> Machine<H> {
    /// Queues a call of the function `func` (a `fn` value) with `args` on thread `t`, to run
    /// before `t`'s next instruction (see the module documentation); `token` is handed back to
    /// the host when the frame is entered and when it returns. The function receives as many of
    /// `args` as it has parameters (missing ones are 0); its return value is dropped.
    /// Undefined behaviour when `func` is not a function; nothing for a terminated thread.
    pub fn push_interrupt_frame(&mut self, t: ThreadId, func: u64, args: &[u64], token: u64) -> VmResult<()> {
        let Some(f) = self.program.fn_index(func) else {
            return Err(Stop::ub(
                "an asynchronous call of something that is not a function",
                format!("`{func:#x}` is not a function value"),
            ));
        };
        let params = &self.program.functions[f as usize].params;
        let args = params.iter().enumerate().map(|(i, ty)| ty.normalize(args.get(i).copied().unwrap_or(0))).collect();
        if let Some(th) = self.threads.get_mut(t).filter(|th| !th.is_terminated()) {
            th.interrupts.push(Interrupt { func: f, args, token });
        }
        Ok(())
    }

    /// Runs `f` as thread `t` — in its address space, its accesses the race detector's as
    /// `t`'s — then makes the active thread active again: for what a host prepares for a frame
    /// it queues on a thread of another address space (memory its arguments point to).
    pub fn as_thread<R>(&mut self, t: ThreadId, f: impl FnOnce(&mut Self) -> VmResult<R>) -> VmResult<R> {
        let prev = self.active;
        if t == prev || t >= self.threads.len() {
            return f(self);
        }
        self.set_active(t);
        let r = f(self);
        self.set_active(prev);
        r
    }

    /// Makes the running segment dependent on every other, for exploration's partial-order
    /// reduction: for a host action whose effect on other threads has no location, such as a
    /// frame queued on another thread (which changes whatever that thread does next).
    pub fn depends_on_everything(&mut self) {
        self.mark(true, true);
    }

    /// The threads that have not ended, in id order.
    pub fn live_threads(&self) -> Vec<ThreadId> {
        self.live.clone()
    }

    /// Whether thread `t` has interrupt frames queued or running.
    pub fn in_interrupt(&self, t: ThreadId) -> bool {
        self.threads.get(t).is_some_and(|th| !th.interrupts.is_empty() || !th.interrupt_tokens.is_empty())
    }

    /// Wakes thread `t` if it is blocked, running its callback with
    /// [`crate::Unblock::Interrupted`] (as `t`, at its blocked call). Returns whether it was
    /// blocked.
    pub fn interrupt_thread(&mut self, host: &mut H, t: ThreadId) -> VmResult<bool> {
        if !self.threads.get(t).is_some_and(|th| matches!(th.state, ThreadState::Blocked { .. })) {
            return Ok(false);
        }
        self.wake(host, t, crate::Unblock::Interrupted)?;
        Ok(true)
    }

    /// From the callback of an interrupted call: the call does not return; the thread makes it
    /// again, with the same arguments, once its interrupt frames have returned.
    pub fn restart_call(&mut self) {
        self.threads[self.active].restart = true;
    }

    /// Whether thread `t`'s blocked call was interrupted and is to be made again (for observers
    /// of the call's end, [`crate::Host::call_resumed`]: its value is not a result).
    pub fn call_restarting(&self, t: ThreadId) -> bool {
        self.threads.get(t).is_some_and(|th| th.restart)
    }

    /// Thread `t` resumes with interrupt frames queued: whether their entry is postponed
    /// (`self.delaying`). Never when it resumes from a blocked call (`from_call`: its return
    /// enters them, as a system call's return to user mode delivers a signal) or restarts one.
    pub(crate) fn postpone_at_resume(&mut self, from_call: bool, frames: &[Frame]) -> VmResult<bool> {
        let th = &self.threads[self.active];
        if from_call || th.restart || th.interrupts.is_empty() {
            return Ok(false);
        }
        let span = frames.last().and_then(|f| self.program.functions[f.func as usize].spans.get(f.pc as usize).copied());
        self.postponed = 0;
        self.delaying = self.pick_delay(span)?;
        Ok(self.delaying)
    }

    /// While [`Self::postpone_at_resume`] postponed the entry of the active thread's frames,
    /// before it executes `inst` (at `span`; `depth` frames on its stack): whether the frames
    /// are entered now, before `inst`. A memory access, an atomic or `print` is a choice;
    /// a foreign call, or the return that ends the thread, enters them (the latest point at
    /// which a signal is delivered); anything else touches nothing another thread or a handler
    /// sees, so entering before it is the same as entering before the next step that does.
    pub(crate) fn delivery_point(&mut self, inst: &crate::ir::Inst, depth: usize, span: crate::source::Span) -> VmResult<bool> {
        use crate::ir::Inst;
        if self.threads[self.active].interrupts.is_empty() {
            // Entered meanwhile (a handler's return enters what was queued).
            self.delaying = false;
            return Ok(false);
        }
        match inst {
            Inst::CallForeign { .. } => {}
            Inst::Return { .. } if depth == 1 => {}
            i if i.observable() => {
                if self.pick_delay(Some(span))? {
                    return Ok(false);
                }
            }
            _ => return Ok(false),
        }
        self.delaying = false;
        Ok(true)
    }

    /// The scheduler's delivery choice for the active thread: `true` postpones.
    fn pick_delay(&mut self, span: Option<crate::source::Span>) -> VmResult<bool> {
        match self.sched.pick_delay(self.active, self.postponed, span) {
            Ok(p) => {
                self.postponed += p as u32;
                Ok(p)
            }
            Err(e) => Err(Box::new(Stop {
                kind: crate::error::StopKind::Unsupported,
                diags: vec![crate::diag::Diagnostic::error(format!("the replayed schedule does not fit this program: {e}"))],
                race: None,
            })),
        }
    }

    /// Before a thread resumes: a restarted call is set up to run again, and the queued frames
    /// are entered.
    pub(crate) fn resume_interrupted(&mut self, host: &mut H, frames: &mut Vec<Frame>, regs: &mut Vec<u64>) -> VmResult<()> {
        let th = &mut self.threads[self.active];
        if std::mem::take(&mut th.restart) {
            if let Some(f) = frames.last_mut() {
                // The site of the blocked call is its instruction.
                f.pc = th.blocked_site as u32;
            }
        }
        self.enter_interrupts(host, frames, regs)
    }

    /// Pushes the active thread's queued interrupt frames on its stack (the top frame's `pc` is
    /// where the code it interrupts continues): the last one queued runs first and returns into
    /// the one before, as nested signal handlers do.
    pub(crate) fn enter_interrupts(&mut self, host: &mut H, frames: &mut Vec<Frame>, regs: &mut Vec<u64>) -> VmResult<()> {
        let queued = std::mem::take(&mut self.threads[self.active].interrupts);
        for it in queued {
            if frames.len() >= self.config.max_stack_depth {
                return Err(Stop::limit(
                    format!("call stack deeper than {} frames", self.config.max_stack_depth),
                    "raise it with --max-stack-depth N; unbounded recursion never ends",
                ));
            }
            // A frame with nowhere to continue (a call without a return block) fails as it resumes.
            let Some(&caller) = frames.last().filter(|f| f.pc != crate::ir::NO_PC) else { break };
            let callee = &self.program.functions[it.func as usize];
            let new_base = caller.base as usize + self.program.functions[caller.func as usize].frame_size as usize;
            let new_len = new_base + callee.frame_size as usize;
            self.memory.resize_stack(regs.len(), new_len).map_err(|e| mem_stop(&self.memory, e, "an interrupt frame"))?;
            regs.truncate(new_base);
            regs.resize(new_len, 0);
            for (i, &a) in it.args.iter().enumerate() {
                regs[new_base + i] = a;
            }
            let (ctx, site) = if self.race.is_some() {
                let caller_ctx = self.materialize_contexts(frames);
                (self.contexts.child(caller_ctx, caller.pc.wrapping_sub(1), it.func), (caller_ctx as u64) << 32 | caller.pc as u64)
            } else {
                (crate::context::LAZY, 0)
            };
            frames.push(Frame { func: it.func, pc: 0, base: new_base as u32, ret_dst: INTERRUPT_SLOT, ret_next: caller.pc, ctx });
            self.threads[self.active].interrupt_tokens.push(it.token);
            // What the host makes the frame acquire is its edge (race reports).
            let prev = self.entering.replace((site, it.func));
            let r = host.interrupt_entered(self, it.token);
            self.entering = prev;
            r?;
        }
        Ok(())
    }

    /// An interrupt frame of the active thread returned (the frames below continue at their
    /// `pc`): the host hears of it, and frames it queues meanwhile are entered.
    pub(crate) fn interrupt_frame_returned(&mut self, host: &mut H, frames: &mut Vec<Frame>, regs: &mut Vec<u64>) -> VmResult<()> {
        let token = self.threads[self.active].interrupt_tokens.pop().unwrap_or(0);
        host.interrupt_returned(self, token)?;
        if !self.threads[self.active].interrupts.is_empty() {
            self.enter_interrupts(host, frames, regs)?;
        }
        Ok(())
    }
}
