//! `futex(2)` — <https://man7.org/linux/man-pages/man2/futex.2.html>: a wait queue per 32-bit
//! word of guest memory, the primitive the standard library's locks (`shims/std/sync.mir`) are
//! built on, as glibc's and Rust's are.
//!
//! Every rule here was confirmed by the native probe `shims/probes/futex.c` (its answers on this
//! machine: `shims/probes/futex.txt`; the guest twins are `programs/futex/`):
//!
//! - Argument checks, in the kernel's order: a timeout (for `FUTEX_WAIT`, `FUTEX_WAIT_BITSET`)
//!   is read first (`EFAULT`) and validated (`EINVAL`: negative seconds, nanoseconds outside
//!   `0..1e9`); then `FUTEX_CLOCK_REALTIME` with anything but `FUTEX_WAIT_BITSET` and an
//!   unknown op are `ENOSYS`; a zero bitset is `EINVAL`; a misaligned word `EINVAL`; a word
//!   that is not memory `EFAULT` — for a `_PRIVATE` wake or requeue only when the call must read
//!   the word (`FUTEX_CMP_REQUEUE`), since a private futex's key is its address alone; requeue
//!   counts below 0 are `EINVAL`.
//! - `FUTEX_WAIT` compares the word with `val` (`EAGAIN` when it differs) and sleeps; its
//!   timeout is relative. `FUTEX_WAIT_BITSET`'s is an absolute time of `CLOCK_MONOTONIC` (or,
//!   with `FUTEX_CLOCK_REALTIME`, `CLOCK_REALTIME`): both are the virtual clock.
//! - A wake wakes waiters of the same word *and the same kind* (a `_PRIVATE` wake does not wake
//!   a shared waiter, nor the other way round), whose bitset meets the wake's, oldest first
//!   (Linux's queue is FIFO among tasks of equal priority, which every guest thread is; Linux
//!   does not promise an order in general). `val` ≤ 0 still wakes one (`++woken >= val`).
//! - `FUTEX_REQUEUE`/`FUTEX_CMP_REQUEUE` wake `val` waiters (0 wakes none), move up to `val2`
//!   more to the second word, and return the number woken plus moved; a requeue onto the same
//!   word counts the moved waiters and leaves the queue's order alone.
//!
//! Happens-before: a wake synchronises with the waiters it wakes (the waker's clock is
//! released to each of them), as in Miri and as the kernel's hash-bucket lock orders the two in
//! practice; reading the word synchronises with the store it reads. The locks in the standard
//! library get their ordering from their own atomics regardless (their lock paths `cas` with
//! `acquire` after every wait).
//!
//! Spurious wakeups: futex(2) says a wait "returns 0 if the caller was woken up", that callers
//! "should always conservatively assume that a return value of 0 can mean a spurious wake-up"
//! (a wake meant for an earlier user of the same word), and a wait may also end with `EINTR`
//! on a signal. `spindle explore` injects the first kind (`--spurious-wakeups`, on by default
//! for `pct` and `dfs`): a wait that would sleep returns 0 at once instead, a scheduling decision
//! of the VM ([`Machine::spurious_wakeup`]) recorded in the schedule. Returning at once loses
//! nothing against returning later: the scheduler may delay the thread as long as it likes, and
//! a wake that would have found it asleep could as well have come after it woke. `EINTR` is not
//! injected (code that handles one handles the other the same way: it re-checks its condition);
//! it comes from a signal whose handler interrupts the wait, as on Linux: a wait without a
//! timeout is restarted under `SA_RESTART` (`-ERESTARTSYS`) and fails with `EINTR` without it,
//! and a wait with one fails with `EINTR` either way (`-ERESTART_RESTARTBLOCK`), confirmed by
//! `programs/signals/eintr.mir` and its native twin `shims/probes/signal_scenarios/eintr.c`.
//!
//! Not modelled: `FUTEX_WAKE_OP`, the PI operations and `FUTEX_FD` (an *unsupported* report).

use crate::abi::{In, Param, Timespec};
use crate::consts::errno::*;
use crate::table::args::Futex;
use crate::{fail, Shims};
use spindle_vm::clock::VClock;
use spindle_vm::por::futex_queue_loc;
use spindle_vm::{BlockReason, HostWait, Machine, Ret, Stop, ThreadId, Unblock, VmResult};

const FUTEX_WAIT: i32 = 0;
const FUTEX_WAKE: i32 = 1;
const FUTEX_REQUEUE: i32 = 3;
const FUTEX_CMP_REQUEUE: i32 = 4;
const FUTEX_WAIT_BITSET: i32 = 9;
const FUTEX_WAKE_BITSET: i32 = 10;
const FUTEX_PRIVATE_FLAG: i32 = 128;
const FUTEX_CLOCK_REALTIME: i32 = 256;
const MATCH_ANY: u32 = u32::MAX;

/// The ops by name, as strace shows them.
pub const FUTEX_OPS: &crate::trace::decode::EnumNames = &crate::trace::decode::EnumNames {
    names: &[
        (0, "FUTEX_WAIT"),
        (1, "FUTEX_WAKE"),
        (2, "FUTEX_FD"),
        (3, "FUTEX_REQUEUE"),
        (4, "FUTEX_CMP_REQUEUE"),
        (5, "FUTEX_WAKE_OP"),
        (6, "FUTEX_LOCK_PI"),
        (7, "FUTEX_UNLOCK_PI"),
        (8, "FUTEX_TRYLOCK_PI"),
        (9, "FUTEX_WAIT_BITSET"),
        (10, "FUTEX_WAKE_BITSET"),
        (128, "FUTEX_WAIT_PRIVATE"),
        (129, "FUTEX_WAKE_PRIVATE"),
        (131, "FUTEX_REQUEUE_PRIVATE"),
        (132, "FUTEX_CMP_REQUEUE_PRIVATE"),
        (137, "FUTEX_WAIT_BITSET_PRIVATE"),
        (138, "FUTEX_WAKE_BITSET_PRIVATE"),
        (256, "FUTEX_WAIT|FUTEX_CLOCK_REALTIME"),
        (384, "FUTEX_WAIT_PRIVATE|FUTEX_CLOCK_REALTIME"),
        (265, "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME"),
        (393, "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME"),
        // The rest of strace 6.1's names (read off `strace` on this machine for every op, alone,
        // private and with FUTEX_CLOCK_REALTIME; tests/strace/futex_sockopt_ioctl.c checks those
        // Spindle serves).
        (11, "FUTEX_WAIT_REQUEUE_PI"),
        (12, "FUTEX_CMP_REQUEUE_PI"),
        (13, "FUTEX_LOCK_PI2"),
        (130, "FUTEX_FD|FUTEX_PRIVATE_FLAG"),
        (133, "FUTEX_WAKE_OP_PRIVATE"),
        (134, "FUTEX_LOCK_PI_PRIVATE"),
        (135, "FUTEX_UNLOCK_PI_PRIVATE"),
        (136, "FUTEX_TRYLOCK_PI_PRIVATE"),
        (139, "FUTEX_WAIT_REQUEUE_PI_PRIVATE"),
        (140, "FUTEX_CMP_REQUEUE_PI_PRIVATE"),
        (141, "FUTEX_LOCK_PI2_PRIVATE"),
        (267, "FUTEX_WAIT_REQUEUE_PI|FUTEX_CLOCK_REALTIME"),
        (395, "FUTEX_WAIT_REQUEUE_PI_PRIVATE|FUTEX_CLOCK_REALTIME"),
    ],
    unknown: "FUTEX_???",
};

/// One thread asleep in `futex`.
#[derive(Clone, Copy, Debug)]
struct Waiter {
    thread: ThreadId,
    addr: u64,
    private: bool,
    bitset: u32,
}

/// Every futex wait queue: one list, oldest waiter first (a queue per word is the waiters of
/// that word, in this order).
#[derive(Default)]
pub(crate) struct Futexes {
    waiters: Vec<Waiter>,
    /// The waker's clock, handed to the thread being woken (its callback takes it).
    pub(crate) handoff: Option<VClock>,
}

impl Futexes {
    /// Thread `t` ended while waiting (its process exited): it leaves its queue.
    pub(crate) fn forget(&mut self, t: ThreadId) {
        self.waiters.retain(|w| w.thread != t);
    }
}

/// The bitset with which `std::sync`'s mutex waits for its lock word (Spindle's convention; a
/// wake with any bitset that has this bit, `FUTEX_BITSET_MATCH_ANY` included, wakes it). A word
/// waited on with it is a lock word in the format of PI futexes: the holder's thread id + 1 in
/// `FUTEX_TID_MASK` (other bits, such as PI futexes' `FUTEX_WAITERS`, are ignored). Deadlock
/// reports read it to name the holder.
pub const LOCK_BITSET: u32 = 0x4000_0000;
const TID_MASK: u32 = 0x3fff_ffff;

impl Shims {
    /// What the deadlock report says of thread `t` asleep in `futex`: the word (a static's
    /// name or an allocation), and for a lock word its holder, the thread it waits for.
    pub(crate) fn futex_wait_for(&self, m: &Machine<Shims>, t: ThreadId) -> Option<(String, Option<ThreadId>)> {
        let w = self.futexes.waiters.iter().find(|w| w.thread == t)?;
        let at = m.describe_addr(w.addr);
        let value = m.memory.read_uint(w.addr, 4).ok()? as u32;
        if w.bitset != LOCK_BITSET {
            return Some((format!("it waits in `futex` on the word at {at} (it holds {value:#x})"), None));
        }
        let owner = (value & TID_MASK) as usize;
        if owner == 0 || owner > m.thread_count() {
            return Some((format!("it waits in `futex` for the mutex at {at}, which nobody holds (lock word {value:#x})"), None));
        }
        let holder = owner - 1;
        let why = format!("it waits in `futex` for the mutex at {at}, held by thread `{}` (lock word {value:#x})", m.thread_name(holder));
        Some((why, Some(holder)))
    }
}

/// What the deadlock report says of a thread asleep in `futex` (the word's address is the
/// wait's number; [`Shims::futex_wait_note`] adds what the word holds).
fn describe_wait(w: &HostWait) -> String {
    format!("it waits in `futex` on the word at {:#x}", w.number)
}

/// `futex(2)`.
pub fn futex(s: &mut Shims, m: &mut Machine<Shims>, a: Futex) -> VmResult<Ret> {
    let op = a.op.get();
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    let private = op & FUTEX_PRIVATE_FLAG != 0;
    let (addr, val) = (a.uaddr.0, a.val.0);
    // The timeout of a wait is read and checked before anything else.
    let mut timeout = None;
    if matches!(cmd, FUTEX_WAIT | FUTEX_WAIT_BITSET) && a.timeout.0 != 0 {
        let Some(ts) = <In<Timespec> as Param>::from_raw(a.timeout.0).read(m)? else {
            return fail(m, EFAULT);
        };
        if !ts.is_valid() {
            return fail(m, EINVAL);
        }
        timeout = Some(ts.ns());
    }
    if op & FUTEX_CLOCK_REALTIME != 0 && cmd != FUTEX_WAIT_BITSET {
        return fail(m, ENOSYS);
    }
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT { MATCH_ANY } else { a.val3.0 };
            if bitset == 0 || addr % 4 != 0 {
                return fail(m, EINVAL);
            }
            let Some(word) = m.atomic_read_guest(addr, 4)? else {
                return fail(m, EFAULT);
            };
            if word as u32 != val {
                return fail(m, EAGAIN);
            }
            // A relative timeout for FUTEX_WAIT, an absolute one for FUTEX_WAIT_BITSET.
            let deadline = timeout.map(|ns| if cmd == FUTEX_WAIT { m.now().saturating_add(ns) } else { ns });
            if deadline.is_some_and(|d| d <= m.now()) {
                m.touch(futex_queue_loc(addr), false);
                return fail(m, ETIMEDOUT);
            }
            // A spurious wakeup (`spindle explore --spurious-wakeups`): the wait returns 0 at
            // once, as a woken one does, without being woken — so nothing synchronises with it.
            // Both outcomes write the queue: exploration puts a thread to sleep with the
            // footprint of the outcome it ran last, and a sleeper must be woken by whatever is
            // dependent with either outcome.
            m.touch(futex_queue_loc(addr), true);
            if m.spurious_wakeup()? {
                return Ok(Ret::Value(0));
            }
            let thread = m.active_thread();
            s.futexes.waiters.push(Waiter { thread, addr, private, bitset });
            let wait = HostWait { words: ["futex", ""], number: addr as i64, describe: describe_wait };
            m.block_thread(
                BlockReason::Host(wait),
                deadline,
                Box::new(move |s: &mut Shims, m, why| {
                    match why {
                        Unblock::Ready => {
                            if let Some(c) = s.futexes.handoff.take() {
                                m.acquire_clock(&c);
                            }
                            m.set_return(0);
                        }
                        Unblock::TimedOut => {
                            s.futexes.waiters.retain(|w| w.thread != thread);
                            m.set_errno(ETIMEDOUT);
                            m.set_return(-1i64 as u64);
                        }
                        Unblock::Interrupted => {
                            // -ERESTARTSYS without a timeout (restarted with SA_RESTART), and
                            // -ERESTART_RESTARTBLOCK with one (EINTR for a handler).
                            s.futexes.waiters.retain(|w| w.thread != thread);
                            s.interrupted_call(m, deadline.is_none());
                        }
                    }
                    Ok(())
                }),
            );
            Ok(Ret::Blocked)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE { MATCH_ANY } else { a.val3.0 };
            if bitset == 0 {
                return fail(m, EINVAL);
            }
            if let Err(e) = key(m, addr, private) {
                return fail(m, e);
            }
            // `++woken >= val`: a count of 0 or less wakes one.
            let max = (val as i32).max(1) as usize;
            let woken = take(&mut s.futexes.waiters, addr, private, bitset, max);
            let n = woken.len();
            if n > 0 {
                m.touch(futex_queue_loc(addr), true);
            }
            s.wake_threads(m, woken)?;
            Ok(Ret::Value(n as u64))
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            let (nr_wake, nr_requeue) = (val as i32, a.timeout.0 as u32 as i32);
            if nr_wake < 0 || nr_requeue < 0 {
                return fail(m, EINVAL);
            }
            let (addr2, to) = (a.uaddr2.0, a.uaddr2.0);
            if let Err(e) = key(m, addr, private).and_then(|_| key(m, addr2, private)) {
                return fail(m, e);
            }
            if cmd == FUTEX_CMP_REQUEUE {
                let Some(word) = m.atomic_read_guest(addr, 4)? else {
                    return fail(m, EFAULT);
                };
                if word as u32 != a.val3.0 {
                    return fail(m, EAGAIN);
                }
            }
            let woken = take(&mut s.futexes.waiters, addr, private, MATCH_ANY, nr_wake as usize);
            let mut moved = 0;
            for w in s.futexes.waiters.iter_mut().filter(|w| w.addr == addr && w.private == private) {
                if moved == nr_requeue as usize {
                    break;
                }
                // Onto the same word: counted, and the queue keeps its order.
                w.addr = to;
                moved += 1;
            }
            let n = woken.len() + moved;
            m.touch(futex_queue_loc(addr), true);
            s.wake_threads(m, woken)?;
            Ok(Ret::Value(n as u64))
        }
        _ if (0..=13).contains(&cmd) && cmd != 2 => Err(Stop::unsupported(format!(
            "`futex` operation {} is not supported (FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAIT_BITSET and FUTEX_WAKE_BITSET are)",
            FUTEX_OPS.iter().find(|(v, _)| *v == cmd as i64).map_or("?", |o| o.1)
        ))),
        _ => fail(m, ENOSYS),
    }
}

/// The futex key of `addr`: `EINVAL` when misaligned; a shared futex's key needs the memory
/// to exist (`EFAULT`), a private one's is the address alone.
fn key(m: &Machine<Shims>, addr: u64, private: bool) -> Result<(), i64> {
    if addr % 4 != 0 {
        return Err(EINVAL);
    }
    if !private && m.memory.read_bytes(addr, 4).is_err() {
        return Err(EFAULT);
    }
    Ok(())
}

/// Removes and returns up to `max` waiters of (`addr`, `private`) whose bitset meets `bitset`,
/// oldest first.
fn take(waiters: &mut Vec<Waiter>, addr: u64, private: bool, bitset: u32, max: usize) -> Vec<ThreadId> {
    let mut woken = Vec::new();
    waiters.retain(|w| {
        let hit = woken.len() < max && w.addr == addr && w.private == private && w.bitset & bitset != 0;
        if hit {
            woken.push(w.thread);
        }
        !hit
    });
    woken
}
