//! Calls whose glibc wrapper is not one system call, shown as strace sees them: none at all when
//! glibc refuses the arguments itself (`sigaction(32, …)`, `raise(33)`, `signal(65, …)`), the
//! system calls glibc really makes when there are several (`pthread_kill` to another thread:
//! `rt_sigprocmask`, `tgkill`, `rt_sigprocmask`), and an argument as glibc changed it before
//! the kernel saw it (`sigprocmask`'s set without glibc's own signals 32 and 33). Each was read
//! off `strace -f` of a native probe (glibc 2.36, `tests/strace/glibc_wrappers.c`).
//!
//! The shims call these while the call runs; the call's own line (written when it returns) is
//! then left out or changed.

use super::decode::{self, Arg, RetKind};
use super::{CallEnd, Sig, Tracer};
use crate::Shims;
use spindle_vm::Machine;

impl Tracer {
    /// The active thread's call makes no system call of its own: its line is left out, from
    /// the text, JSON, timeline and `-c` alike ([`Tracer::glibc_call`] shows those it makes).
    pub fn no_system_call(&mut self) {
        self.hidden = true;
    }

    /// The active thread's call made the system call `name(args) = value` (with `errno` when
    /// `value` is -1) on its way: a line of its own, as any call's (`-e trace=` and `-c` see
    /// it by `name`).
    pub fn glibc_call(&mut self, m: &Machine<Shims>, name: &'static str, args: Vec<String>, value: i64, errno: Option<i64>) {
        let t = m.active_thread();
        self.record_end(t, CallEnd::Value(value, errno));
        if !self.selects(name) {
            return;
        }
        if let Some(summary) = &mut self.summary {
            summary.record(name, errno.is_some(), 0);
            return;
        }
        self.show_unfinished(m, Some(t));
        let sig = Sig { name, args: &[], ret: RetKind::Int };
        let start = (m.observed_now(), m.steps(), None);
        self.complete(m, t, sig, Vec::new(), args, Some(value), errno, start, false, None, None);
    }

    /// The active thread's call shows `text` for its first argument of kind `kind` (the value
    /// glibc passed on, where the guest's differs).
    pub fn note_arg(&mut self, kind: Arg, text: String) {
        self.noted_arg = Some((kind, text));
    }
}

/// glibc's own signals, `SIGCANCEL` (32) and `SIGSETXID` (33): its `sigaction`, `signal`,
/// `raise` and `pthread_kill` refuse them, its `sigprocmask` takes them out of the set.
pub(crate) const GLIBC_INTERNAL: u64 = (1 << 31) | (1 << 32);

impl Shims {
    /// The call glibc refuses before making a system call: no line ([`Tracer::no_system_call`]).
    pub(crate) fn trace_no_system_call(&mut self) {
        if crate::HOOKS {
            if let Some(tr) = &mut self.trace {
                tr.no_system_call();
            }
        }
    }

    /// A system call glibc makes inside the active call ([`Tracer::glibc_call`]).
    pub(crate) fn trace_glibc_call(&mut self, m: &Machine<Shims>, name: &'static str, args: Vec<String>, value: i64, errno: Option<i64>) {
        if crate::HOOKS {
            if let Some(tr) = &mut self.trace {
                tr.glibc_call(m, name, args, value, errno);
            }
        }
    }

    /// `tgkill(pid, tid, sig)` as glibc's `pthread_kill` makes it, with its result (0 or an
    /// error number).
    pub(crate) fn trace_tgkill(&mut self, m: &Machine<Shims>, pid: i64, tid: i64, sig: i64, error: i64) {
        if crate::HOOKS && self.trace.is_some() {
            let args = vec![pid.to_string(), tid.to_string(), decode::signal_name(sig)];
            let (value, errno) = if error == 0 { (0, None) } else { (-1, Some(error)) };
            self.trace_glibc_call(m, "tgkill", args, value, errno);
        }
    }

    /// `rt_sigprocmask(how, set, old, 8) = 0` as glibc makes it around a call (`pthread_kill`
    /// blocks every signal while it signals another thread): `how` and the sets as strace
    /// shows them.
    pub(crate) fn trace_glibc_sigprocmask(&mut self, m: &Machine<Shims>, how: &str, set: Option<u64>, old: Option<u64>) {
        if crate::HOOKS && self.trace.is_some() {
            let shown = |s: Option<u64>| s.map_or_else(|| "NULL".to_string(), decode::sigset);
            let args = vec![how.to_string(), shown(set), shown(old), "8".to_string()];
            self.trace_glibc_call(m, "rt_sigprocmask", args, 0, None);
        }
    }

    /// glibc's `abort` (`SIGABRT` with its default action): it unblocks `SIGABRT` and sends it
    /// to the calling thread, which it kills: `rt_sigprocmask(SIG_UNBLOCK, [ABRT], NULL, 8)`,
    /// `tgkill(PID, TID, SIGABRT)` (without glibc's `gettid` and `getpid`) and the delivery,
    /// before the run's `+++ killed by SIGABRT +++`, as strace 6.1 shows a native `abort`.
    pub(crate) fn trace_abort(&mut self, m: &Machine<Shims>) {
        if !crate::HOOKS || self.trace.is_none() {
            return;
        }
        const SIGABRT: i64 = 6;
        const SI_TKILL: i32 = -6;
        let t = m.active_thread();
        let pid = self.pid_of_thread(m, t);
        self.trace_no_system_call();
        self.trace_glibc_sigprocmask(m, "SIG_UNBLOCK", Some(1 << (SIGABRT - 1)), None);
        self.trace_tgkill(m, pid, t as i64, SIGABRT, 0);
        let info = decode::Siginfo { signo: SIGABRT, code: SI_TKILL, pid, uid: crate::signal::GUEST_UID, status: 0, utime: 0, stime: 0 };
        let line = format!("--- SIGABRT {} ---", decode::siginfo_text(&info));
        if let Some(tr) = &mut self.trace {
            tr.event_line(m, t, &line);
        }
    }

    /// glibc's `sigprocmask`/`pthread_sigmask` pass the set at `set` on without its own signals
    /// 32 and 33: the line shows it so when the guest's has them.
    pub(crate) fn trace_mask_without_internal(&mut self, m: &Machine<Shims>, set: u64) {
        if !crate::HOOKS || self.trace.is_none() || set == 0 {
            return;
        }
        let Ok(b) = m.memory.read_bytes(set, 8) else { return };
        let mask = u64::from_le_bytes(b[..8].try_into().unwrap_or_default());
        if mask & GLIBC_INTERNAL != 0 {
            if let Some(tr) = &mut self.trace {
                tr.note_arg(Arg::SigsetIn, decode::sigset(mask & !GLIBC_INTERNAL));
            }
        }
    }
}
