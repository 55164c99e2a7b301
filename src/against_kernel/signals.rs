//! Signals under `--against-kernel` (docs/divergences.md, *Signals*): the guest's signal calls
//! made on the kernel by the oracle, with the guest's handlers standing in for by one real
//! handler of the oracle's, the *recorder*.
//!
//! **The oracle's side.** Every lane (the oracle thread of one guest thread) keeps the guest
//! thread's signal mask `G` and the handlers the guest thread is in (its *frames*). Its thread's
//! mask is always `G`, between calls too, and changes only as the guest thread's does, so the
//! kernel delivers to it what it would deliver to the guest thread (the oracle's main thread is
//! the guest main thread's lane, so that the kernel's first choice for a signal sent to the
//! process is the same; the dispatcher and unused lanes block every signal). A handler the guest installs is installed in the kernel as the recorder (with the guest's
//! flags and mask, plus `SA_SIGINFO`); when the kernel runs it, it records the signal, the mask
//! the kernel set for the handler and the mask the handler's return restores (its
//! `uc_sigmask`), and returns at once — a blocked call it interrupted then returns `EINTR`, or
//! is restarted by the kernel under `SA_RESTART`, exactly as for the guest. The guest's handler
//! runs in Spindle; while it runs, the lane makes its calls with the mask the kernel set for the
//! handler, and when it returns (Spindle's `rt_sigreturn`) the lane's `G` becomes the mask that
//! frame saved. Handlers nested on one return to user mode run in the reverse of the order the
//! kernel set them up in; the lane puts them back in that order.
//!
//! **The comparison.** Each lane's answer carries its mask and the signals its recorder took;
//! the observer matches them, per guest thread, with the handlers Spindle enters: a signal the
//! kernel delivered must have been entered by Spindle before the thread's next call, and a
//! handler Spindle entered must be one the kernel delivered once the handler returns (by then
//! the lane has had the mask that lets it through). Answers are compared as for every call; the
//! handler addresses, the flags and restorer the recorder needs, glibc's wrappers' conventions,
//! and the pids and uids in a `struct signalfd_siginfo` are mapped between the two sides first.

use super::*;
use spindle_shims::abi::{Layout, Timespec};
use spindle_shims::trace::decode::GLIBC_RESTORER;
use spindle_shims::Call;
use spindle_vm::ThreadId;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// `getpid()` in the guest (`spindle_shims`' `fork::PID_BASE`, the initial process's pid): the guest's pid as `kill` takes it.
pub(super) const GUEST_PID: i64 = 1000;
/// The uid a guest signal's sender has (`si_uid`, `ssi_uid`).
pub(super) const GUEST_UID: u32 = 1000;
/// A pid and tid no process has (above the kernel's largest `pid_max`, 2^22): what a guest pid
/// or tid that names nothing becomes in the oracle, which must never signal another process.
pub(super) const NOBODY: i64 = 0x7fff_fff0;
/// The signal that interrupts a lane's blocked call (the oracle's own: `SIGRTMAX`).
pub(super) const INTERRUPT: libc::c_int = 64;

const SA_SIGINFO: u64 = libc::SA_SIGINFO as u64;
const SA_RESTORER: u64 = 0x0400_0000;
const SA_RESTART: u64 = libc::SA_RESTART as u64;
/// glibc's own signals (`SIGCANCEL`, `SIGSETXID`): its wrappers never block them and refuse them.
const GLIBC_INTERNAL: u64 = bit(32) | bit(33);

/// Pseudo system calls for a lane: a guest handler returned (`args[0]`: its signal); a lane now
/// stands for a new guest thread (`args[0]`: the thread's mask).
pub(super) const NR_SIGRETURN: i64 = -1;
pub(super) const NR_SETMASK: i64 = -2;
/// glibc's `sigwait`: `rt_sigtimedwait`, made again when a handler interrupts it.
pub(super) const NR_SIGWAIT: i64 = -3;

/// The bit of signal `sig` in a mask (none for a number that is not a signal).
pub(super) const fn bit(sig: i64) -> u64 {
    if sig >= 1 && sig <= 64 {
        1 << (sig - 1)
    } else {
        0
    }
}

// ---- the oracle's side --------------------------------------------------------------------------

/// One run of the recorder: a signal the kernel delivered to a lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Record {
    pub(super) sig: i64,
    pub(super) code: i64,
    /// The mask the handler's return restores (`uc_sigmask`).
    restore: u64,
    /// The mask the kernel set for the handler.
    inside: u64,
}

/// A lane's signal state.
#[derive(Default)]
pub(super) struct LaneSig {
    /// The guest thread's mask.
    mask: u64,
    /// The handlers the guest thread is in, outermost first.
    frames: Vec<Record>,
    /// Recorded by the recorder, not yet taken in.
    burst: Vec<Record>,
    /// Taken in since the lane's last answer.
    log: Vec<Record>,
}

impl LaneSig {
    /// Takes in what the recorder recorded: the handlers of one return to user mode, last set
    /// up first, go on the frames in the order the kernel set them up; `G` becomes the mask of
    /// the one that runs first. Returns whether there was any.
    fn absorb(&mut self) -> bool {
        if self.burst.is_empty() {
            return false;
        }
        let burst: Vec<Record> = self.burst.drain(..).collect();
        self.mask = burst[0].inside;
        for r in burst.iter().rev() {
            self.frames.push(*r);
        }
        self.log.extend(burst);
        true
    }

    /// A guest handler of `sig` returned: its frame goes, and `G` is the mask it saved.
    fn sigreturn(&mut self, sig: i64) -> bool {
        self.absorb();
        match self.frames.iter().rposition(|f| f.sig == sig) {
            Some(i) => {
                let f = self.frames.remove(i);
                self.mask = f.restore;
                true
            }
            None => false,
        }
    }

    /// The trailer of every answer: the mask, and the signals recorded since the last one.
    fn trailer(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.mask.to_le_bytes());
        out.extend_from_slice(&(self.log.len() as u64).to_le_bytes());
        for r in self.log.drain(..) {
            out.extend_from_slice(&(r.sig as u64).to_le_bytes());
            out.extend_from_slice(&(r.code as u64).to_le_bytes());
        }
    }
}

/// How many recorded signals a lane may hold before it takes them in (more are dropped; the
/// check would then find a delivery missing).
const RING: usize = 256;

/// One slot of the ring: a record, and whether it is written.
#[derive(Default)]
struct Slot {
    ready: std::sync::atomic::AtomicBool,
    words: [std::sync::atomic::AtomicU64; 4],
}

/// What the recorder writes: lock-free, since it interrupts its lane's thread anywhere (taking a
/// lock there could wait for itself, and blocking signals around the lane's own locks would make
/// the kernel look again at what is pending for the process, so that a lane could take a signal
/// the kernel meant for another thread).
pub(super) struct Ring {
    tail: std::sync::atomic::AtomicUsize,
    head: std::sync::atomic::AtomicUsize,
    slots: Vec<Slot>,
}

impl Default for Ring {
    fn default() -> Ring {
        Ring { tail: Default::default(), head: Default::default(), slots: (0..RING).map(|_| Slot::default()).collect() }
    }
}

impl Ring {
    /// From the recorder: a slot is reserved, then written, then marked ready (a recorder that
    /// interrupts another's write takes the next slot; records are taken in in slot order).
    fn push(&self, r: Record) {
        let i = self.tail.fetch_add(1, Ordering::AcqRel);
        if i.wrapping_sub(self.head.load(Ordering::Acquire)) >= RING {
            return;
        }
        let slot = &self.slots[i % RING];
        for (w, v) in slot.words.iter().zip([r.sig as u64, r.code as u64, r.restore, r.inside]) {
            w.store(v, Ordering::Relaxed);
        }
        slot.ready.store(true, Ordering::Release);
    }

    /// Under the lane state's lock (one taker at a time): the records written so far, in order.
    fn take(&self, into: &mut Vec<Record>) {
        loop {
            let h = self.head.load(Ordering::Acquire);
            let slot = &self.slots[h % RING];
            if !slot.ready.load(Ordering::Acquire) {
                break;
            }
            let w: Vec<u64> = slot.words.iter().map(|w| w.load(Ordering::Relaxed)).collect();
            into.push(Record { sig: w[0] as i64, code: w[1] as i64, restore: w[2], inside: w[3] });
            slot.ready.store(false, Ordering::Release);
            self.head.store(h + 1, Ordering::Release);
        }
    }
}

/// A lane's signal state, shared by its thread, its recorder and the dispatcher.
#[derive(Default)]
pub(super) struct LaneShared {
    ring: Ring,
    state: Mutex<LaneSig>,
}

pub(super) type SharedSig = Arc<LaneShared>;

thread_local! {
    /// The lane's signal state, for the recorder (which runs on the lane's thread).
    static LANE_SIG: std::cell::RefCell<Option<SharedSig>> = const { std::cell::RefCell::new(None) };
}

/// The lane's state, with what the recorder has recorded since taken in (as `burst`).
fn lock(s: &SharedSig) -> std::sync::MutexGuard<'_, LaneSig> {
    let mut st = s.state.lock().unwrap_or_else(|e| e.into_inner());
    let LaneSig { burst, .. } = &mut *st;
    s.ring.take(burst);
    st
}

/// The oracle's own pid and uid, and the guest's, for `struct signalfd_siginfo`.
static OWN_PID: AtomicU32 = AtomicU32::new(0);
static OWN_UID: AtomicU32 = AtomicU32::new(0);

/// The handler every guest handler is in the kernel: records the signal on its lane.
extern "C" fn recorder(sig: libc::c_int, info: *mut libc::siginfo_t, uc: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo and ucontext to an SA_SIGINFO handler; the
    // mask is read with a system call; the record goes to the lock-free ring.
    unsafe {
        let code = if info.is_null() { 0 } else { (*info).si_code as i64 };
        let restore = if uc.is_null() { 0 } else { mask_word(&(*(uc as *const libc::ucontext_t)).uc_sigmask) };
        let mut now: u64 = 0;
        libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_BLOCK, std::ptr::null::<u64>(), &mut now as *mut u64, 8);
        let r = Record { sig: sig as i64, code, restore, inside: now };
        let _ = LANE_SIG.try_with(|l| {
            if let Ok(l) = l.try_borrow() {
                if let Some(s) = &*l {
                    s.ring.push(r);
                }
            }
        });
    }
}

/// The kernel's 64 signals of a `sigset_t`.
fn mask_word(set: &libc::sigset_t) -> u64 {
    // SAFETY: a sigset_t is at least 8 bytes; its first 8 are the kernel's mask.
    unsafe { std::ptr::read_unaligned(set as *const libc::sigset_t as *const u64) }
}

/// Sets the calling thread's mask; returns the one before.
fn set_mask(mask: u64) -> u64 {
    let mut old: u64 = 0;
    // SAFETY: rt_sigprocmask with 8-byte sets on this thread.
    unsafe { libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_SETMASK, &mask as *const u64, &mut old as *mut u64, 8) };
    old
}

/// Makes signal state of the oracle as a fresh process's (every disposition the default,
/// nothing ignored: a C program's start), puts the oracle in a process group of its own (so
/// that `kill(0, …)` reaches nobody else), turns core dumps off (a signal whose default action
/// dumps core ends the oracle as it ends the guest), blocks every signal on the calling
/// thread (the dispatcher: lanes inherit it) and installs the interrupt's handler. Returns the
/// setup's fields: pid, uid, the recorder's and the interrupt handler's addresses, the restorer.
pub(super) fn setup(guest_pid: u64, guest_uid: u64) -> [u64; 5] {
    let _ = (guest_pid, guest_uid);
    // SAFETY: dispositions, the process group, a resource limit and the mask of this process
    // and thread; nothing of Rust's runtime depends on them here (no stack overflow is
    // expected of the oracle, whose guard-page handler goes).
    unsafe {
        for s in 1..=64 {
            if s == libc::SIGKILL || s == libc::SIGSTOP {
                continue;
            }
            let dfl: [u64; 4] = [0; 4];
            libc::syscall(libc::SYS_rt_sigaction, s, dfl.as_ptr(), std::ptr::null_mut::<u64>(), 8);
        }
        libc::setpgid(0, 0);
        libc::setrlimit(libc::RLIMIT_CORE, &libc::rlimit { rlim_cur: 0, rlim_max: 0 });
        set_mask(!0);
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_interrupt as extern "C" fn(libc::c_int) as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(INTERRUPT, &sa, std::ptr::null_mut());
        // glibc's restorer (`__restore_rt`), which the recorder needs on x86-64.
        let mut old: [u64; 4] = [0; 4];
        libc::syscall(libc::SYS_rt_sigaction, INTERRUPT, std::ptr::null::<u64>(), old.as_mut_ptr(), 8);
        OWN_PID.store(libc::getpid() as u32, Ordering::Relaxed);
        OWN_UID.store(libc::getuid(), Ordering::Relaxed);
        [
            libc::getpid() as u64,
            libc::getuid() as u64,
            recorder as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) as usize as u64,
            on_interrupt as extern "C" fn(libc::c_int) as usize as u64,
            old[2],
        ]
    }
}

extern "C" fn on_interrupt(_: libc::c_int) {}

/// A new lane's thread: its state, which the recorder finds.
pub(super) fn lane_started(s: &SharedSig) {
    LANE_SIG.with(|l| *l.borrow_mut() = Some(s.clone()));
}

/// The interrupt that ends a lane's blocked call may still be pending when the call returned
/// (when the guest thread blocks it): it is taken off, so that it does not interrupt a later
/// call. (Only then: taking a signal makes the kernel look at what is pending again.)
fn drain_interrupt() {
    let mut pending: u64 = 0;
    // SAFETY: rt_sigpending into an 8-byte set; sigtimedwait on a set of one signal that this
    // thread blocks, with a zero timeout.
    unsafe {
        libc::syscall(libc::SYS_rt_sigpending, &mut pending as *mut u64, 8);
        if pending & bit(INTERRUPT as i64) == 0 {
            return;
        }
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, INTERRUPT);
        let zero = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        while libc::sigtimedwait(&set, std::ptr::null_mut(), &zero) == INTERRUPT {}
    }
}

/// Blocks every signal on the calling thread (the dispatcher's, and every lane's at its start).
pub(super) fn block_all() {
    set_mask(!0);
}

/// The calling thread's mask (read without changing it).
fn get_mask() -> u64 {
    let mut now: u64 = 0;
    // SAFETY: rt_sigprocmask with no new set, reading into an 8-byte set.
    unsafe { libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_BLOCK, std::ptr::null::<u64>(), &mut now as *mut u64, 8) };
    now
}

/// A lane makes `call`, with its thread's mask always its guest thread's (`G`): what is pending
/// for it is delivered when the mask lets it through, as on the guest's return to user mode.
/// The mask is only ever changed as the guest thread's changes (a handler entered, a handler's
/// return, the guest's own calls): a change makes the kernel look at what is pending for the
/// process again, and an unneeded one could let a lane take a signal meant for another thread.
/// Every answer ends with the trailer.
pub(super) fn run(s: &SharedSig, call: &[u8], entering: impl FnOnce()) -> Vec<u8> {
    let nr = call.get(..8).map_or(0, |b| i64::from_le_bytes(b.try_into().unwrap_or_default()));
    let arg0 = call.get(8..16).map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or_default()));
    if nr == NR_SETMASK {
        let mut st = lock(s);
        st.mask = arg0;
        st.frames.clear();
        st.burst.clear();
        st.log.clear();
        drop(st);
        set_mask(arg0);
        entering();
        let mut st = lock(s);
        st.absorb();
        let g = st.mask;
        drop(st);
        set_mask(g);
        return pseudo_reply(s, 0);
    }
    // The mask of a handler the kernel entered meanwhile.
    for _ in 0..64 {
        let mut st = lock(s);
        if !st.absorb() {
            break;
        }
        let g = st.mask;
        drop(st);
        set_mask(g);
    }
    if nr == NR_SIGRETURN {
        entering();
        let mut st = lock(s);
        let found = st.sigreturn(arg0 as i64);
        let g = st.mask;
        drop(st);
        set_mask(g);
        return pseudo_reply(s, if found { 0 } else { -1 });
    }
    let mut after = 0u64;
    let mut reply = perform(call, entering, || after = get_mask());
    drain_interrupt();
    let mut st = lock(s);
    if st.absorb() {
        let g = st.mask;
        drop(st);
        set_mask(g);
        st = lock(s);
    } else if reply.first() == Some(&REP_CALL) {
        st.mask = after;
    }
    if reply.first() == Some(&REP_CALL) {
        st.trailer(&mut reply);
    }
    reply
}

/// A guest handler returned while its lane is in a call (one the kernel restarted after the
/// recorder): the dispatcher takes the frame off.
pub(super) fn sigreturn_now(s: &SharedSig, sig: i64) -> Vec<u8> {
    // The kernel may not have run the recorder yet (a signal just sent to the blocked lane):
    // it is given a moment.
    let deadline = Instant::now() + Duration::from_millis(200);
    let found = loop {
        if lock(s).sigreturn(sig) {
            break true;
        }
        if Instant::now() >= deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    pseudo_reply(s, if found { 0 } else { -1 })
}

fn pseudo_reply(s: &SharedSig, ret: i64) -> Vec<u8> {
    let mut reply = vec![REP_CALL];
    reply.extend_from_slice(&(ret as u64).to_le_bytes());
    reply.extend_from_slice(&0u64.to_le_bytes());
    reply.extend_from_slice(&0u64.to_le_bytes());
    lock(s).trailer(&mut reply);
    reply
}

/// The guest's pid and uid in the `struct signalfd_siginfo`s a read of a signalfd returned
/// (`buf`, `n` bytes): the oracle's become the guest's.
pub(super) fn map_signalfd_read(fd: u64, buf: *mut u8, n: usize) {
    if n == 0 || n % 128 != 0 {
        return;
    }
    let link = std::fs::read_link(format!("/proc/self/fd/{}", fd as i32)).unwrap_or_default();
    if link.as_os_str() != "anon_inode:[signalfd]" {
        return;
    }
    let (pid, uid) = (OWN_PID.load(Ordering::Relaxed), OWN_UID.load(Ordering::Relaxed));
    for k in (0..n).step_by(128) {
        // SAFETY: `buf` holds `n` bytes the kernel just wrote.
        unsafe {
            let rec = buf.add(k);
            let p = rec.add(12) as *mut u32;
            if std::ptr::read_unaligned(p) == pid {
                std::ptr::write_unaligned(p, GUEST_PID as u32);
            }
            let u = rec.add(16) as *mut u32;
            if std::ptr::read_unaligned(u) == uid {
                std::ptr::write_unaligned(u, GUEST_UID);
            }
        }
    }
}

/// The guest's pid and uid in the `siginfo_t` (`buf`, `n` bytes) a `rt_sigtimedwait` returned.
pub(super) fn map_siginfo(buf: *mut u8, n: usize) {
    if n < 24 {
        return;
    }
    let (pid, uid) = (OWN_PID.load(Ordering::Relaxed), OWN_UID.load(Ordering::Relaxed));
    // SAFETY: `buf` holds `n` ≥ 24 bytes the kernel just wrote: `si_pid` at 16, `si_uid` at 20.
    unsafe {
        let p = buf.add(16) as *mut u32;
        if std::ptr::read_unaligned(p) == pid {
            std::ptr::write_unaligned(p, GUEST_PID as u32);
        }
        let u = buf.add(20) as *mut u32;
        if std::ptr::read_unaligned(u) == uid {
            std::ptr::write_unaligned(u, GUEST_UID);
        }
    }
}

// ---- the observer's side ------------------------------------------------------------------------

/// The oracle's ids and addresses, from its setup.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct OracleIds {
    pub(super) pid: i64,
    pub(super) recorder: u64,
    pub(super) interrupt: u64,
    pub(super) restorer: u64,
}

/// An action as the guest set it and as the kernel holds it: handler, flags, restorer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Installed {
    pub(super) guest: (u64, u64, u64),
    pub(super) kernel: (u64, u64, u64),
}

/// How the kernel's answer becomes what the guest sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Conv {
    /// `rt_sigaction`'s old action (the kernel's struct): handler, flags, restorer mapped.
    KernelOact(i64),
    /// `sigaction`'s old action, in glibc's struct: mapped and laid out as glibc writes it.
    LibcOact(i64, u64),
    /// `signal`: the old handler is the result.
    SignalOld(i64),
    /// `pthread_*`: the error is returned, not set in errno.
    ErrnoReturned,
    /// glibc's `sigtimedwait` and `sigwaitinfo`: a `SI_TKILL` in the `siginfo_t` reads as
    /// `SI_USER`.
    FoldTkill,
    /// glibc's `sigwait`: the signal is stored through the pointer (at this guest address) and
    /// 0 returned, or the error returned.
    Sigwait(u64),
}

/// A signal call's extra parts: the conversion, and the action it installs if it succeeds.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct SigPlan {
    pub(super) conv: Option<Conv>,
    pub(super) install: Option<(i64, Installed)>,
}

/// The observer's signal state.
#[derive(Default)]
pub(super) struct SigCheck {
    pub(super) ids: OracleIds,
    /// The actions the guest installed (signals it never set are at their defaults).
    pub(super) table: BTreeMap<i64, Installed>,
    /// Each guest thread's mask, as its lane last reported it.
    pub(super) masks: BTreeMap<ThreadId, u64>,
    /// The mask a thread starts with (its creator's when it was spawned).
    pub(super) initial: BTreeMap<ThreadId, u64>,
    /// Handlers Spindle entered that the kernel has not (yet) delivered, by thread.
    pub(super) entered: BTreeMap<ThreadId, Vec<i64>>,
    /// Signals the kernel delivered that Spindle has not (yet) entered a handler for.
    pub(super) delivered: BTreeMap<ThreadId, Vec<i64>>,
    /// The thread making a `spawn`.
    pub(super) spawning: Option<ThreadId>,
}

impl SigCheck {
    /// The kernel's action (handler, flags, restorer, mask) as the guest sees it.
    pub(super) fn guest_action(&self, sig: i64, k: [u64; 4]) -> [u64; 4] {
        let [h, f, r, mk] = k;
        let ids = &self.ids;
        let Some(inst) = self.table.get(&sig) else {
            // Never set by the guest: the oracle's own interrupt handler is its default.
            return if h == ids.interrupt && h != 0 { [0, 0, 0, 0] } else { k };
        };
        let h = if h == ids.recorder && h != 0 { inst.guest.0 } else { h };
        // While the kernel holds the action the oracle installed (its restorer tells), the bits
        // the oracle added to the guest's flags go (the kernel's own changes stay) and the
        // restorer is the guest's.
        let (f, r) = if r == inst.kernel.2 { (f & !(inst.kernel.1 & !inst.guest.1), inst.guest.2) } else { (f, r) };
        [h, f, r, mk]
    }

    /// The kernel's `struct sigaction` for an action the guest gives (handler, flags, restorer,
    /// mask): a handler function becomes the recorder, with `SA_SIGINFO` and the restorer.
    pub(super) fn kernel_act(&self, a: [u64; 4]) -> [u64; 4] {
        let [h, f, _, mk] = a;
        if h <= 1 {
            return a;
        }
        [self.ids.recorder, f | SA_SIGINFO | SA_RESTORER, self.ids.restorer, mk]
    }

    /// Applies `conv` to the kernel's answer; `outs` are its output buffers.
    pub(super) fn convert(&self, conv: Conv, ret: &mut i64, errno: &mut i64, outs: &mut [Vec<u8>], m: &Machine<Shims>) {
        let words = |b: &[u8]| -> Option<[u64; 4]> {
            let w = |i: usize| b.get(8 * i..8 * i + 8).map(|s| u64::from_le_bytes(s.try_into().unwrap_or_default()));
            Some([w(0)?, w(1)?, w(2)?, w(3)?])
        };
        match conv {
            Conv::ErrnoReturned => {
                if *ret == -1 {
                    *ret = *errno;
                    *errno = 0;
                }
            }
            Conv::KernelOact(sig) => {
                if let Some(k) = outs.first().and_then(|b| words(b)) {
                    let g = self.guest_action(sig, k);
                    outs[0] = g.iter().flat_map(|w| w.to_le_bytes()).collect();
                }
            }
            Conv::LibcOact(sig, addr) => {
                if let Some(k) = outs.first().and_then(|b| words(b)) {
                    let [h, f, r, mk] = self.guest_action(sig, k);
                    // glibc copies the handler, the kernel's 8 bytes of mask, the flags (an
                    // `int`) and the restorer; the rest of its struct it leaves as it was.
                    let mut b = m.memory.read_bytes(addr, 152).unwrap_or_else(|_| vec![0; 152]);
                    b.resize(152, 0);
                    b[0..8].copy_from_slice(&h.to_le_bytes());
                    b[8..16].copy_from_slice(&mk.to_le_bytes());
                    b[136..140].copy_from_slice(&(f as u32).to_le_bytes());
                    b[144..152].copy_from_slice(&r.to_le_bytes());
                    outs[0] = b;
                }
            }
            Conv::FoldTkill => {
                if let Some(info) = outs.first_mut().filter(|b| b.len() >= 12 && *ret > 0) {
                    if i32::from_le_bytes(info[8..12].try_into().unwrap_or_default()) == libc::SI_TKILL {
                        info[8..12].copy_from_slice(&0i32.to_le_bytes());
                    }
                }
            }
            Conv::Sigwait(addr) => {
                if let Some(out) = outs.first_mut() {
                    if *ret > 0 {
                        *out = (*ret as i32).to_le_bytes()[..out.len().min(4)].to_vec();
                        *ret = 0;
                    } else {
                        // Nothing stored: the guest's bytes stay as they are.
                        *out = m.memory.read_bytes(addr, out.len() as u64).unwrap_or_default();
                    }
                }
                if *ret == -1 {
                    *ret = *errno;
                    *errno = 0;
                }
            }
            Conv::SignalOld(sig) => {
                if *ret == 0 {
                    if let Some(k) = outs.first().and_then(|b| words(b)) {
                        *ret = self.guest_action(sig, k)[0] as i64;
                    }
                }
            }
        }
    }

    /// A lane's answer for guest thread `t`: its mask, and the signals the kernel delivered.
    pub(super) fn answered(&mut self, t: ThreadId, reply: &CallReply) {
        self.masks.insert(t, reply.mask);
        if !reply.delivered.is_empty() {
            self.delivered.entry(t).or_default().extend(reply.delivered.iter().map(|d| d.0));
        }
        self.matched(t);
    }

    /// Spindle entered a handler of `sig` on `t`.
    pub(super) fn entered(&mut self, t: ThreadId, sig: i64) {
        self.entered.entry(t).or_default().push(sig);
        self.matched(t);
    }

    /// Deliveries on both sides cancel out.
    fn matched(&mut self, t: ThreadId) {
        let (Some(e), Some(d)) = (self.entered.get_mut(&t), self.delivered.get_mut(&t)) else { return };
        e.retain(|&s| match d.iter().position(|&x| x == s) {
            Some(i) => {
                d.remove(i);
                false
            }
            None => true,
        });
    }

    /// A signal the kernel delivered to `t` that Spindle did not enter a handler for.
    pub(super) fn unmatched_delivery(&self, t: ThreadId) -> Option<i64> {
        self.delivered.get(&t).and_then(|d| d.first().copied())
    }

    /// Thread `t`'s mask, as far as the check knows it.
    pub(super) fn mask_of(&self, t: ThreadId) -> u64 {
        self.masks.get(&t).or_else(|| self.initial.get(&t)).copied().unwrap_or(0)
    }

    /// Whether `t`'s lane blocks the interrupt (then its timed waits cannot be ended).
    pub(super) fn blocks_interrupt(&self, t: ThreadId) -> bool {
        self.masks.get(&t).is_some_and(|m| m & bit(INTERRUPT as i64) != 0)
    }
}

/// The guest's pid or process group as the oracle's (`kill`): the guest's own pid is the
/// oracle's, 0 its own group (the oracle's, which it leads), any other pid names nobody on
/// either side. `None`: -1 (every process the user may signal), which is never sent.
pub(super) fn map_pid(pid: i64, own: i64) -> Option<i64> {
    Some(match pid {
        0 => 0,
        -1 => return None,
        p if p == GUEST_PID => own,
        p if p == -GUEST_PID => -own,
        p if p > 0 => NOBODY,
        _ => -NOBODY,
    })
}

/// Whether a signal call names the oracle's own interrupt.
pub(super) fn names_interrupt(sig: i64) -> bool {
    sig == INTERRUPT as i64
}

/// The flags glibc's `signal` installs (BSD semantics).
pub(super) const SIGNAL_FLAGS: u64 = SA_RESTART | SA_RESTORER;

/// glibc's wrappers strip its own signals from a mask they are given.
pub(super) fn strip_internal(b: &mut [u8]) {
    if b.len() >= 8 {
        let m = u64::from_le_bytes(b[..8].try_into().unwrap_or_default()) & !GLIBC_INTERNAL;
        b[..8].copy_from_slice(&m.to_le_bytes());
    }
}

// ---- the observer's plans and hooks -------------------------------------------------------------

impl Checker {
    /// What a signal call is for the kernel (`is_signal_call`), and how its answer maps back.
    pub(super) fn plan_signal(&mut self, m: &Machine<Shims>, call: &Call, a: &[u64]) -> Result<(Plan, SigPlan), String> {
        let arg = |i: usize| a.get(i).copied().unwrap_or(0);
        let mut r = Request { m, args: [arg(0), arg(1), arg(2), arg(3), arg(4), arg(5)], bufs: Vec::new() };
        let mut plan = SigPlan::default();
        let own = self.sig.ids.pid;
        let interrupt_refused = |sig: i64| -> Result<(Plan, SigPlan), String> {
            Ok((
                Plan::Refuse(format!(
                    "`{}` names signal {sig}, which the kernel oracle keeps for itself (it ends the kernel's timed waits)",
                    call.name()
                )),
                SigPlan::default(),
            ))
        };
        let sys = |r: Request<'_>, nr: libc::c_long, plan: SigPlan| Ok((r.sys(nr), plan));
        match *call {
            Call::RtSigaction(c) => {
                let sig = c.sig.0 as i64;
                if names_interrupt(sig) && c.act.0 != 0 {
                    return interrupt_refused(sig);
                }
                if let Some(mut b) = Checker::buffer(m, &mut r.args, 1, 32, false)? {
                    if let Some(act) = words4(&b.bytes) {
                        let k = self.kernel_act_of(act);
                        b.bytes = k.iter().flat_map(|w| w.to_le_bytes()).collect();
                        plan.install = Some((sig, Installed { guest: (act[0], act[1], act[2]), kernel: (k[0], k[1], k[2]) }));
                    }
                    r.bufs.push(b);
                }
                r.ptr(2, 32, true)?;
                plan.conv = Some(Conv::KernelOact(sig));
                sys(r, libc::SYS_rt_sigaction, plan)
            }
            Call::Sigaction(c) => {
                let sig = c.sig.0 as i64;
                // glibc refuses its own signals without a system call.
                if sig == 32 || sig == 33 {
                    return Ok((Plan::Skip, plan));
                }
                if names_interrupt(sig) && c.act.0 != 0 {
                    return interrupt_refused(sig);
                }
                let act = c.act.0;
                r.args[1] = 0;
                if act != 0 {
                    if m.memory.readable_extent(act) >= 152 {
                        let b = m.memory.read_bytes(act, 152).unwrap_or_default();
                        let w = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default());
                        // glibc: the `int` flags with SA_RESTORER, and its restorer (the kernel
                        // keeps the low 32 bits of flags).
                        let flags = (w(136) & 0xffff_ffff) | SA_RESTORER;
                        let given = [w(0), flags, self.sig.ids.restorer, w(8)];
                        let k = self.kernel_act_of(given);
                        // Spindle has no `__restore_rt`: the guest sees the value that stands for it.
                        plan.install = Some((sig, Installed { guest: (given[0], flags, GLIBC_RESTORER), kernel: (k[0], k[1], k[2]) }));
                        let bytes = k.iter().flat_map(|w| w.to_le_bytes()).collect();
                        r.bufs.push(Buf { arg: 1, bytes, writable: false, back: false, guest: act, len: 32, raw: 0 });
                    } else if let Some(b) = Checker::buffer(m, &mut r.args, 1, 0, false)? {
                        r.args[1] = 0;
                        r.bufs.push(Buf { arg: 1, ..b });
                    } else {
                        r.args[1] = act;
                    }
                }
                let oact = c.oact.0;
                r.args[2] = 0;
                if oact != 0 {
                    if m.memory.writable_extent(oact) >= 152 {
                        r.bufs.push(Buf { arg: 2, bytes: vec![0; 32], writable: true, back: true, guest: oact, len: 32, raw: 0 });
                        plan.conv = Some(Conv::LibcOact(sig, oact));
                    } else if let Some(b) = Checker::buffer(m, &mut r.args, 2, 0, false)? {
                        r.args[2] = 0;
                        r.bufs.push(Buf { arg: 2, back: false, ..b });
                    } else {
                        r.args[2] = oact;
                    }
                }
                r.args[3] = 8;
                sys(r, libc::SYS_rt_sigaction, plan)
            }
            Call::Signal(c) => {
                let sig = c.sig.0 as i64;
                // glibc checks these itself (EINVAL without a system call).
                if !(1..=64).contains(&sig) || sig == 32 || sig == 33 || c.handler.0 == u64::MAX {
                    return Ok((Plan::Skip, plan));
                }
                if names_interrupt(sig) {
                    return interrupt_refused(sig);
                }
                let given = [c.handler.0, SIGNAL_FLAGS, self.sig.ids.restorer, bit(sig)];
                let k = self.kernel_act_of(given);
                plan.install = Some((sig, Installed { guest: (given[0], SIGNAL_FLAGS, GLIBC_RESTORER), kernel: (k[0], k[1], k[2]) }));
                let bytes = k.iter().flat_map(|w| w.to_le_bytes()).collect();
                r.args = [sig as u64, 0, 0, 8, 0, 0];
                r.bufs.push(Buf { arg: 1, bytes, writable: false, back: false, guest: 0, len: 32, raw: 0 });
                r.bufs.push(Buf { arg: 2, bytes: vec![0; 32], writable: true, back: true, guest: 0, len: 32, raw: 0 });
                plan.conv = Some(Conv::SignalOld(sig));
                sys(r, libc::SYS_rt_sigaction, plan)
            }
            Call::RtSigprocmask(_) => {
                r.ptr(1, 8, false)?;
                r.ptr(2, 8, true)?;
                sys(r, libc::SYS_rt_sigprocmask, plan)
            }
            Call::Sigprocmask(_) | Call::PthreadSigmask(_) => {
                if let Some(mut b) = Checker::buffer(m, &mut r.args, 1, 8, false)? {
                    strip_internal(&mut b.bytes);
                    r.bufs.push(b);
                }
                r.ptr(2, 8, true)?;
                r.args[3] = 8;
                if matches!(call, Call::PthreadSigmask(_)) {
                    plan.conv = Some(Conv::ErrnoReturned);
                }
                sys(r, libc::SYS_rt_sigprocmask, plan)
            }
            Call::Sigpending(_) => {
                r.ptr(0, 8, true)?;
                r.args[1] = 8;
                sys(r, libc::SYS_rt_sigpending, plan)
            }
            Call::Sigsuspend(_) => {
                r.ptr(0, 8, false)?;
                r.args[1] = 8;
                sys(r, libc::SYS_rt_sigsuspend, plan)
            }
            Call::Kill(c) => {
                let sig = c.sig.0 as i64;
                if names_interrupt(sig) {
                    return interrupt_refused(sig);
                }
                let Some(pid) = map_pid(c.pid.0 as i64, own) else {
                    return Ok((Plan::Refuse("`kill(-1, …)` would signal every process of the user".into()), plan));
                };
                // Which thread takes a process-directed signal: the main thread if it does not
                // block it (the kernel's `complete_signal` tries it first, as Spindle does; the
                // oracle's main thread is the guest main thread's lane), else the kernel's choice
                // among the others, which the check cannot follow.
                let handled = self.sig.table.get(&sig).is_some_and(|i| i.guest.0 > 1);
                if handled && bit(sig) != 0 && pid.abs() != NOBODY {
                    self.release_ended_lanes(m)?;
                    let live = m.live_threads();
                    if live.contains(&0) {
                        self.lane_of(m, 0)?;
                    }
                    let takers: Vec<ThreadId> = live.into_iter().filter(|t| self.sig.mask_of(*t) & bit(sig) == 0).collect();
                    if !takers.contains(&0) && takers.len() > 1 {
                        let why = format!(
                            "`kill` sends the process {}, which has a handler, while the main thread blocks it and {} other threads do not (Linux may deliver it to any of them)",
                            spindle_shims::trace::decode::signal_name(sig),
                            takers.len()
                        );
                        return Ok((Plan::Refuse(why), plan));
                    }
                }
                r.args[0] = pid as u64;
                sys(r, libc::SYS_kill, plan)
            }
            Call::Tgkill(c) => {
                let sig = c.sig.0 as i64;
                if names_interrupt(sig) {
                    return interrupt_refused(sig);
                }
                let tgid = c.tgid.0 as i64;
                r.args[0] = if tgid <= 0 {
                    tgid
                } else if tgid == GUEST_PID {
                    own
                } else {
                    NOBODY
                } as u64;
                r.args[1] = self.tid_of(m, c.tid.0 as i64)? as u64;
                sys(r, libc::SYS_tgkill, plan)
            }
            Call::Raise(c) => {
                let sig = c.sig.0 as i64;
                // glibc refuses its own signals without a system call.
                if sig == 32 || sig == 33 {
                    return Ok((Plan::Skip, plan));
                }
                if names_interrupt(sig) {
                    return interrupt_refused(sig);
                }
                let me = self.tid_of(m, m.active_thread() as i64)?;
                r.args = [own as u64, me as u64, sig as u64, 0, 0, 0];
                sys(r, libc::SYS_tgkill, plan)
            }
            Call::PthreadKill(c) => {
                let sig = c.sig.0 as i64;
                // glibc refuses its own signals without a system call.
                if sig == 32 || sig == 33 {
                    return Ok((Plan::Skip, plan));
                }
                if names_interrupt(sig) {
                    return interrupt_refused(sig);
                }
                // glibc sends nothing to a thread that has ended (and returns 0).
                if usize::try_from(c.thread.0).is_ok_and(|t| t < m.thread_count() && m.is_terminated(t)) {
                    return Ok((Plan::Skip, plan));
                }
                let tid = self.tid_of(m, c.thread.0)?;
                r.args = [own as u64, tid as u64, sig as u64, 0, 0, 0];
                plan.conv = Some(Conv::ErrnoReturned);
                sys(r, libc::SYS_tgkill, plan)
            }
            Call::Signalfd(_) => {
                r.ptr(1, 8, false)?;
                r.args[3] = r.args[2];
                r.args[2] = 8;
                sys(r, libc::SYS_signalfd4, plan)
            }
            Call::Signalfd4(_) => {
                r.ptr(1, 8, false)?;
                sys(r, libc::SYS_signalfd4, plan)
            }
            // The sigtimedwait family as a timed wait (see `zero_timeout`); glibc's wrappers pass
            // sigsetsize 8 and fold SI_TKILL.
            Call::RtSigtimedwait(c) => {
                r.ptr(0, 8, false)?;
                r.ptr(1, 128, true)?;
                zero_timeout(m, &mut r, 2, c.timeout.addr(), Timespec::SIZE, timespec_valid)?;
                sys(r, libc::SYS_rt_sigtimedwait, plan)
            }
            Call::Sigtimedwait(c) => {
                r.ptr(0, 8, false)?;
                r.ptr(1, 128, true)?;
                zero_timeout(m, &mut r, 2, c.timeout.addr(), Timespec::SIZE, timespec_valid)?;
                r.args[3] = 8;
                plan.conv = Some(Conv::FoldTkill);
                sys(r, libc::SYS_rt_sigtimedwait, plan)
            }
            Call::Sigwaitinfo(_) => {
                r.ptr(0, 8, false)?;
                r.ptr(1, 128, true)?;
                r.args[2] = 0;
                r.args[3] = 8;
                plan.conv = Some(Conv::FoldTkill);
                sys(r, libc::SYS_rt_sigtimedwait, plan)
            }
            // glibc's sigwait passes no siginfo; the pointer the signal is stored through is an
            // argument the kernel does not read (its bytes come back as they were sent).
            Call::Sigwait(c) => {
                r.ptr(0, 8, false)?;
                r.args[1] = 0;
                r.args[2] = 0;
                r.args[3] = 8;
                r.args[5] = c.sig.0;
                if let Some(b) = Checker::buffer(m, &mut r.args, 5, 4, true)? {
                    r.args[5] = 0;
                    if b.back {
                        plan.conv = Some(Conv::Sigwait(c.sig.0));
                        r.bufs.push(b);
                    }
                }
                Ok((Plan::Sys(CallReq { nr: NR_SIGWAIT, args: r.args, bufs: r.bufs }), plan))
            }
            _ => Err(format!("`{}` is not a signal call", call.name())),
        }
    }

    fn kernel_act_of(&self, a: [u64; 4]) -> [u64; 4] {
        self.sig.kernel_act(a)
    }

    /// The kernel thread id that a guest thread id names in the oracle: a live thread's lane's
    /// (started now if it has none yet), and one no thread has for anything else (as a thread
    /// that has ended or never was names nobody on Linux); ids that are not positive stay.
    fn tid_of(&mut self, m: &Machine<Shims>, tid: i64) -> Result<i64, String> {
        if tid < 0 {
            return Ok(tid);
        }
        match usize::try_from(tid).ok().filter(|&t| t < m.thread_count() && !m.is_terminated(t)) {
            Some(t) => {
                let lane = self.lane_of(m, t)?;
                Ok(self.link.window.word(lane_tid(lane)).load(Ordering::Acquire) as i64)
            }
            None => Ok(NOBODY),
        }
    }

    /// The lanes of threads that have ended block every signal again (the kernel must not
    /// choose one for a signal sent to the process).
    fn release_ended_lanes(&mut self, m: &Machine<Shims>) -> Result<(), String> {
        let ended: Vec<(ThreadId, usize)> = self
            .lanes
            .iter()
            .filter(|&(&t, _)| m.is_terminated(t) && !self.waiting.contains_key(&t) && self.sig.masks.get(&t) != Some(&!0))
            .map(|(&t, &l)| (t, l))
            .collect();
        for (t, lane) in ended {
            let req = CallReq { nr: NR_SETMASK, args: [!0, 0, 0, 0, 0, 0], bufs: Vec::new() };
            match self.link.call(lane, self.timeout, &req) {
                Ok(Some(reply)) => self.sig.answered(t, &reply),
                Ok(None) | Err(NoAnswer::Timeout) => return Err("the kernel oracle did not answer".into()),
                Err(NoAnswer::Failed(e)) => return Err(e),
            }
        }
        Ok(())
    }

    /// A lane now stands for guest thread `t`: it takes the mask `t` starts with.
    pub(super) fn lane_assigned(&mut self, t: ThreadId, lane: usize) -> Result<(), String> {
        let mask = self.sig.initial.get(&t).copied().unwrap_or(0);
        let req = CallReq { nr: NR_SETMASK, args: [mask, 0, 0, 0, 0, 0], bufs: Vec::new() };
        match self.link.call(lane, self.timeout, &req) {
            Ok(Some(reply)) => {
                self.sig.answered(t, &reply);
                Ok(())
            }
            Ok(None) => Err("the kernel oracle's thread for it did not start".into()),
            Err(NoAnswer::Timeout) => Err("the kernel oracle did not answer".into()),
            Err(NoAnswer::Failed(e)) => Err(e),
        }
    }

    /// A signal Linux delivered to the thread about to make a call, for which Spindle ran no
    /// handler: the divergence.
    pub(super) fn check_deliveries(&mut self, m: &Machine<Shims>) -> VmResult<()> {
        let t = m.active_thread();
        if let Some(sig) = self.sig.unmatched_delivery(t) {
            let what = format!(
                "Linux delivered {} to thread `{}` (its handler ran), but Spindle ran no handler for it before the thread's next call",
                spindle_shims::trace::decode::signal_name(sig),
                m.thread_name(t)
            );
            return Err(self.signal_divergence(m, what));
        }
        Ok(())
    }

    /// Spindle entered a handler.
    pub(super) fn handler_entered(&mut self, m: &Machine<Shims>, sig: i64) -> VmResult<()> {
        self.sig.entered(m.active_thread(), sig);
        Ok(())
    }

    /// A handler returned in Spindle: the lane's frame goes too (by then the kernel has had the
    /// chance to deliver the signal: the lane unblocks its mask first). No frame: the kernel
    /// never delivered it.
    pub(super) fn handler_returned(&mut self, m: &Machine<Shims>, sig: i64) -> VmResult<()> {
        if self.divergence.is_some() || self.unchecked.is_some() || self.fatal.is_some() {
            return Ok(());
        }
        let t = m.active_thread();
        let lane = match self.lane_of(m, t) {
            Ok(l) => l,
            Err(why) => return Err(self.refuse(why, m.call_span())),
        };
        let req = CallReq { nr: NR_SIGRETURN, args: [sig as u64, 0, 0, 0, 0, 0], bufs: Vec::new() };
        let reply = match self.link.call(lane, self.timeout, &req) {
            Ok(Some(r)) => r,
            Ok(None) | Err(NoAnswer::Timeout) => return Err(self.internal("the kernel oracle did not take a handler's return".into())),
            Err(NoAnswer::Failed(e)) => {
                self.fatal = Some(OracleError(e.clone()));
                return Err(Box::new(Stop { kind: StopKind::Unsupported, diags: vec![Diagnostic::error(e)], race: None }));
            }
        };
        let found = reply.ret == 0;
        self.sig.answered(t, &reply);
        if !found {
            let what = format!(
                "Spindle ran the handler of {} on thread `{}`, but Linux did not deliver it to that thread",
                spindle_shims::trace::decode::signal_name(sig),
                m.thread_name(t)
            );
            return Err(self.signal_divergence(m, what));
        }
        Ok(())
    }

    /// A divergence about a signal's delivery rather than a call's answer.
    fn signal_divergence(&mut self, m: &Machine<Shims>, what: String) -> Box<Stop> {
        let span = m.call_span();
        self.compared += 1;
        let d = Diagnostic::error(format!("Spindle diverges from Linux: {what}"))
            .at(span, "Spindle and the kernel disagree here")
            .note(agreed_before(self.compared - 1, &self.link.kernel))
            .help("a deliberate difference is listed in docs/divergences.md; any other is a Spindle bug");
        self.divergence = Some(Box::new(Divergence {
            call: "signal delivery".to_string(),
            span,
            index: self.compared,
            spindle: what.clone(),
            linux: None,
            differences: vec![what],
            diagnostic: d.clone(),
        }));
        Box::new(Stop { kind: StopKind::Unsupported, diags: vec![d], race: None })
    }

    /// Spindle's process was killed by `sig` in call `p`: the kernel's must die of it too.
    pub(super) fn expect_killed(&mut self, m: &Machine<Shims>, p: Pending, sig: i32) -> VmResult<()> {
        let lane = match self.lane_of(m, p.thread) {
            Ok(l) => l,
            Err(why) => return Err(self.refuse(why, p.span)),
        };
        let answer = self.link.call(lane, self.timeout, &p.req);
        self.compared += 1;
        let name = |s: i32| spindle_shims::trace::decode::signal_name(s as i64);
        let linux = match answer {
            Err(NoAnswer::Failed(_)) if self.link.killed_by == Some(sig) => return Ok(()),
            Err(NoAnswer::Failed(_)) => match self.link.killed_by {
                Some(k) => format!("the process was killed by {}", name(k)),
                None => "the kernel oracle failed".to_string(),
            },
            Ok(Some(r)) => format!("it returned {}", short_result(r.ret, r.errno)),
            Ok(None) | Err(NoAnswer::Timeout) => "it blocked".to_string(),
        };
        let what = format!("{} ended the process in `{}` in Spindle, but on Linux {linux}", name(sig), p.name);
        Err(self.diverged(m, &p, render_call(m, &p, 0, 0, None), None, vec![what]))
    }
}

/// Four little-endian words, if `b` holds them.
fn words4(b: &[u8]) -> Option<[u64; 4]> {
    let w = |i: usize| b.get(8 * i..8 * i + 8).map(|s| u64::from_le_bytes(s.try_into().unwrap_or_default()));
    Some([w(0)?, w(1)?, w(2)?, w(3)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check() -> SigCheck {
        SigCheck { ids: OracleIds { pid: 4242, recorder: 0x5000, interrupt: 0x6000, restorer: 0x7000 }, ..Default::default() }
    }

    #[test]
    fn a_handler_maps_back_to_the_guests_and_nothing_else_does() {
        let mut c = check();
        let guest = [0x2000_0000, libc::SA_RESETHAND as u64 | SA_RESTORER, 0, 1 << 10];
        let k = c.kernel_act(guest);
        assert_eq!(k, [0x5000, guest[1] | SA_SIGINFO, 0x7000, 1 << 10]);
        c.table.insert(10, Installed { guest: (guest[0], guest[1], guest[2]), kernel: (k[0], k[1], k[2]) });
        // As installed: the guest's action.
        assert_eq!(c.guest_action(10, k), guest);
        // Reset by SA_RESETHAND: SIG_DFL, the flags as the guest gave them.
        assert_eq!(c.guest_action(10, [0, k[1], k[2], k[3]]), [0, guest[1], 0, 1 << 10]);
        // A wrong answer stays wrong: another handler, other flags (one the kernel dropped, one
        // it added), another mask, another restorer.
        assert_ne!(c.guest_action(10, [0x5008, k[1], k[2], k[3]]), guest);
        assert_ne!(c.guest_action(10, [k[0], k[1] | SA_RESTART, k[2], k[3]]), guest);
        assert_ne!(c.guest_action(10, [k[0], k[1] & !(libc::SA_RESETHAND as u64), k[2], k[3]]), guest);
        assert_ne!(c.guest_action(10, [k[0], k[1], k[2], 0]), guest);
        assert_ne!(c.guest_action(10, [k[0], k[1], 0x7008, k[3]]), guest);
        // A signal the guest never set: the oracle's interrupt handler reads as the default,
        // anything else as it is.
        assert_eq!(c.guest_action(64, [0x6000, SA_RESTORER, 0x7000, 0]), [0; 4]);
        assert_eq!(c.guest_action(12, [1, 0, 0, 0]), [1, 0, 0, 0]);
        assert_eq!(c.guest_action(12, [0x5000, 0, 0, 0]), [0x5000, 0, 0, 0]);
    }

    #[test]
    fn deliveries_match_per_thread_and_an_extra_one_shows() {
        let mut c = check();
        let reply = |sigs: &[i64]| CallReply { ret: 0, errno: 0, outs: vec![], mask: 0, delivered: sigs.iter().map(|&s| (s, 0)).collect() };
        // The kernel's handlers of one burst come in the reverse order: matched as a multiset.
        c.entered(0, 10);
        c.entered(0, 12);
        c.answered(0, &reply(&[12, 10]));
        assert_eq!(c.unmatched_delivery(0), None);
        assert!(c.entered[&0].is_empty());
        // A delivery on another thread does not match this one's.
        c.entered(1, 10);
        c.answered(0, &reply(&[10]));
        assert_eq!(c.unmatched_delivery(0), Some(10));
        assert_eq!(c.entered[&1], vec![10]);
        // One merged standard signal on Spindle's side cannot match two deliveries.
        c.entered(2, 10);
        c.answered(2, &reply(&[10, 10]));
        assert_eq!(c.unmatched_delivery(2), Some(10));
    }

    #[test]
    fn frames_come_back_in_the_guests_order() {
        let mut s = LaneSig::default();
        // SIGUSR1 (10) set up first, SIGUSR2 (12) on top: the kernel ran 12's handler first.
        s.burst.push(Record { sig: 12, code: 0, restore: 1 << 9, inside: (1 << 9) | (1 << 11) });
        s.burst.push(Record { sig: 10, code: 0, restore: 0, inside: 1 << 9 });
        assert!(s.absorb());
        assert_eq!(s.mask, (1 << 9) | (1 << 11));
        assert!(s.sigreturn(12));
        assert_eq!(s.mask, 1 << 9);
        assert!(s.sigreturn(10));
        assert_eq!(s.mask, 0);
        // A handler the kernel never ran has no frame.
        assert!(!s.sigreturn(10));
    }

    #[test]
    fn pids_never_name_another_process() {
        assert_eq!(map_pid(GUEST_PID, 4242), Some(4242));
        assert_eq!(map_pid(-GUEST_PID, 4242), Some(-4242));
        assert_eq!(map_pid(0, 4242), Some(0));
        assert_eq!(map_pid(-1, 4242), None);
        assert_eq!(map_pid(1, 4242), Some(NOBODY));
        assert_eq!(map_pid(4242, 4242), Some(NOBODY));
        assert_eq!(map_pid(-7, 4242), Some(-NOBODY));
    }
}
