//! Green threads: their stacks, states and the blocking protocol.

use crate::error::VmResult;
use crate::ir::{Pc, Slot, Ty};
use crate::machine::Machine;
use crate::source::Span;

pub type ThreadId = usize;

/// An address space (a process, to the host): `Machine::fork` makes one, 0 is the initial one.
pub type SpaceId = u32;

/// Why an unblock callback runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unblock {
    /// Whatever the thread waited for may have happened: the callback retries or completes.
    Ready,
    /// The deadline passed first.
    TimedOut,
    /// The host interrupted the wait ([`Machine::interrupt_thread`]): the callback completes the
    /// call (with an error, such as Linux's `EINTR`) or asks for it to be made again once the
    /// thread's interrupt frames have returned ([`Machine::restart_call`]).
    Interrupted,
}

/// A guest function queued to run on a thread, on top of whatever it was doing
/// ([`Machine::push_interrupt_frame`]).
#[derive(Clone, Debug)]
pub struct Interrupt {
    /// The function's index.
    pub func: u32,
    /// Its arguments (as many as it has parameters).
    pub args: Vec<u64>,
    /// The host's name for it, handed back when it is entered and when it returns.
    pub token: u64,
}

/// What a blocked thread waits for, for reports and for `unblock` sanity checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockReason {
    /// `join` on this thread.
    Join(ThreadId),
    /// A timed sleep.
    Sleep,
    /// A host-defined wait (an fd, epoll): what the deadlock report says of it.
    Host(HostWait),
    /// A lock wait ([`crate::Config::lock_waits`]): for the lock word at this address.
    Lock(u64),
}

/// What a thread in a lock wait waits for: the word at `addr` (a `ty`) to hold `expected`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockWait {
    pub addr: u64,
    pub expected: u64,
    pub ty: crate::ir::Ty,
}

/// A host-defined wait, put in words only when a report needs it: formatting a sentence for
/// every block would cost more than the block itself.
#[derive(Clone, Copy, Debug)]
pub struct HostWait {
    /// The words and the number the sentence is made of (a call, a kind of object, its number).
    pub words: [&'static str; 2],
    pub number: i64,
    /// Makes the sentence (`it is blocked in `read` on fd 3 ...`).
    pub describe: fn(&HostWait) -> String,
}

impl HostWait {
    pub fn text(&self) -> String {
        (self.describe)(self)
    }
}

/// Two waits are the same wait if they say the same thing.
impl PartialEq for HostWait {
    fn eq(&self, other: &Self) -> bool {
        self.words == other.words && self.number == other.number && self.text() == other.text()
    }
}

impl Eq for HostWait {}

/// Runs when a blocked thread is woken, as that thread (its errno, its clock). It writes the
/// blocked call's result with [`Machine::set_return`], and may block the thread again.
pub type Callback<H> = Box<dyn FnOnce(&mut H, &mut Machine<H>, Unblock) -> VmResult<()>>;

pub enum ThreadState<H> {
    Enabled,
    Blocked { reason: BlockReason, deadline: Option<u64>, callback: Option<Callback<H>> },
    Terminated,
}

#[derive(Clone, Copy, Debug)]
pub struct Frame {
    pub func: u32,
    /// Where the frame resumes (only meaningful for a thread's top frame when it is not running).
    pub pc: Pc,
    pub base: u32,
    /// Where the caller wants the return value, and where it continues.
    pub ret_dst: Slot,
    pub ret_next: Pc,
    /// The calling context (for the sites of race reports).
    pub ctx: crate::context::CtxId,
}

pub struct Thread<H> {
    pub name: String,
    pub state: ThreadState<H>,
    pub frames: Vec<Frame>,
    pub regs: Vec<u64>,
    pub errno: i64,
    /// The thread that joined (or is joining) this one.
    pub joined_by: Option<ThreadId>,
    /// The root function's return value, once terminated.
    pub ret: u64,
    /// The destination of a foreign call that blocked, written when the thread resumes.
    pub pending_dst: Option<(Slot, Ty)>,
    pub pending_val: u64,
    /// The thread is blocked inside a foreign call (whose completion observers are told of).
    pub in_call: bool,
    /// The call the thread is blocked in, for deadlock reports.
    pub blocked_at: Span,
    /// The same call as a race-report site (`func << 32 | pc`).
    pub blocked_site: u64,
    /// The vector clock at termination, for joiners.
    pub final_clock: crate::clock::VClock,
    /// The address space it runs in (0 unless a fork made it).
    pub space: SpaceId,
    /// Interrupt frames queued, entered in this order when the thread next runs guest code.
    pub interrupts: Vec<Interrupt>,
    /// The tokens of the interrupt frames on the stack, innermost last.
    pub interrupt_tokens: Vec<u64>,
    /// The blocked call is to be made again (instead of returning) when the thread resumes.
    pub restart: bool,
    /// Waiting for a lock: its `cas.lock` runs when the word holds the expected value.
    pub lock_wait: Option<LockWait>,
    /// Its next `cas.lock` runs as a plain compare-and-swap (every thread was left in a lock
    /// wait: they take their slow paths, to the deadlock their locks report).
    pub lock_fallback: bool,
}

impl<H> Thread<H> {
    pub fn new(name: String) -> Self {
        Thread {
            name,
            state: ThreadState::Enabled,
            frames: Vec::new(),
            regs: Vec::new(),
            errno: 0,
            joined_by: None,
            ret: 0,
            pending_dst: None,
            pending_val: 0,
            in_call: false,
            blocked_at: Span::default(),
            blocked_site: 0,
            final_clock: Default::default(),
            space: 0,
            interrupts: Vec::new(),
            interrupt_tokens: Vec::new(),
            restart: false,
            lock_wait: None,
            lock_fallback: false,
        }
    }
    /// Gives back the stack capacity a deep recursion left behind, when the thread is switched
    /// out: the memory limit counts each live frame at twice its size (a vector that doubles),
    /// so a thread that is not running keeps at most about that much.
    #[inline]
    pub fn trim_stack(&mut self) {
        if self.regs.capacity() > 2 * self.regs.len() + 64 {
            self.regs.shrink_to(self.regs.len() + self.regs.len() / 2);
        }
        if self.frames.capacity() > 2 * self.frames.len() + 16 {
            self.frames.shrink_to(self.frames.len() + self.frames.len() / 2);
        }
    }
    pub fn is_enabled(&self) -> bool {
        matches!(self.state, ThreadState::Enabled)
    }
    pub fn is_terminated(&self) -> bool {
        matches!(self.state, ThreadState::Terminated)
    }
}
