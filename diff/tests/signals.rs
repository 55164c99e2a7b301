//! Hand-written signal scenarios within one process: a logging handler or `SIG_IGN`, masks,
//! `kill` of the process and `raise`, pending signals, signalfd reads and readiness, and a
//! handled signal interrupting a parked blocking call. The kernel's side runs each in a child
//! process of its own (`host::run`), so that dispositions and process-directed signals concern
//! that process only.

mod common;

use spindle_diff::scenario::lx::*;
use spindle_diff::scenario::{Handler, KillTo};
use spindle_diff::{check, Fd, Scenario};

const fn bit(sig: i32) -> u64 {
    1 << (sig - 1)
}

// A handler runs before raise/kill return; SIG_IGN discards; SIGWINCH's default is to ignore.
scenario!(handler_runs_before_the_call_returns, |s| {
    s.sigaction(SIGUSR1, Handler::Log, 0);
    s.kill(SIGUSR1, KillTo::Raise);
    s.sigstate();
    s.kill(SIGUSR1, KillTo::Process);
    s.sigstate();
    s.sigaction(SIGUSR1, Handler::Ign, SA_RESTART);
    s.kill(SIGUSR1, KillTo::Process);
    s.kill(SIGWINCH, KillTo::Raise);
    s.sigstate();
});

// Blocked signals stay pending (a standard one once, a real-time one each time) and are
// delivered when unblocked, lowest number first; SIG_IGN discards a pending one.
scenario!(blocked_signals_pend_and_are_delivered_on_unblock, |s| {
    s.sigaction(SIGUSR1, Handler::Log, 0);
    s.sigaction(SIGRT6, Handler::Log, 0);
    s.sigaction(SIGWINCH, Handler::Log, 0);
    s.sigmask(SIG_BLOCK, Some(bit(SIGUSR1) | bit(SIGRT6) | bit(SIGWINCH)));
    s.kill(SIGRT6, KillTo::Process);
    s.kill(SIGUSR1, KillTo::Raise);
    s.kill(SIGUSR1, KillTo::Process);
    s.kill(SIGRT6, KillTo::Raise);
    s.kill(SIGWINCH, KillTo::Process);
    s.sigstate();
    s.sigaction(SIGWINCH, Handler::Ign, 0);
    s.sigstate();
    s.sigmask(SIG_UNBLOCK, Some(bit(SIGUSR1) | bit(SIGRT6) | bit(SIGWINCH)));
    s.sigstate();
    s.sigmask(SIG_SETMASK, None);
});

// Mask arguments: SIGKILL cannot be blocked, an unknown `how` is EINVAL (the old mask not
// written), a NULL set only reads the mask.
scenario!(sigprocmask_arguments, |s| {
    s.sigmask(SIG_BLOCK, Some(bit(SIGKILL) | bit(SIGUSR1)));
    s.sigmask(3, Some(bit(SIGWINCH)));
    s.sigmask(SIG_SETMASK, Some(bit(SIGWINCH)));
    s.sigmask(SIG_UNBLOCK, None);
    s.sigmask(-1, None);
});

// Bad signal numbers and dispositions that cannot change.
scenario!(bad_signal_numbers, |s| {
    s.sigaction(0, Handler::Log, 0);
    s.sigaction(65, Handler::Log, 0);
    s.sigaction(SIGKILL, Handler::Ign, 0);
    s.sigaction(-1, Handler::Dfl, 0);
    s.kill(0, KillTo::Process); // a check that the process exists
    s.kill(0, KillTo::Raise);
    s.kill(65, KillTo::Process);
    s.kill(-3, KillTo::Raise);
    s.sigstate();
});

// A signalfd reads blocked pending signals (its siginfo records), one standard signal once,
// real-time ones each; it is readable in poll and epoll while one is pending.
scenario!(signalfd_reads_and_readiness, |s| {
    s.sigmask(SIG_BLOCK, Some(bit(SIGUSR1) | bit(SIGRT6)));
    let sfd = s.signalfd(Fd::Abs(-1), bit(SIGUSR1) | bit(SIGRT6), SFD_NONBLOCK);
    let ep = s.epoll_create1(0);
    s.epoll_ctl(ep, EPOLL_CTL_ADD, sfd, EPOLLIN, 9);
    s.read(sfd, 128); // EAGAIN
    s.poll(&[(sfd, 0xffff)]);
    s.kill(SIGUSR1, KillTo::Process);
    s.kill(SIGUSR1, KillTo::Raise);
    s.kill(SIGRT6, KillTo::Raise);
    s.kill(SIGRT6, KillTo::Process);
    s.poll(&[(sfd, 0xffff)]);
    s.epoll_wait(ep, 8);
    s.sigstate();
    s.read(sfd, 100); // shorter than one record: EINVAL
    s.read(sfd, 128 * 2);
    s.read(sfd, 128 * 4);
    s.sigstate();
    s.epoll_wait(ep, 8);
    s.read(sfd, 128);
});

// signalfd arguments: a new mask for an existing signalfd, a non-signalfd fd, bad flags.
scenario!(signalfd_arguments, |s| {
    let sfd = s.signalfd(Fd::Abs(-1), bit(SIGUSR1), 0);
    s.signalfd(sfd, bit(SIGWINCH), SFD_CLOEXEC); // the same fd, its mask replaced
    s.getfd(sfd);
    s.getfl(sfd);
    let (r, _w) = s.pipe();
    s.signalfd(r, bit(SIGUSR1), 0); // EINVAL
    s.signalfd(Fd::Rel(40), bit(SIGUSR1), 0); // EBADF
    s.signalfd(Fd::Abs(-1), bit(SIGUSR1), 1); // EINVAL
    s.fstat(sfd);
    s.sigmask(SIG_BLOCK, Some(bit(SIGWINCH)));
    s.kill(SIGWINCH, KillTo::Raise);
    s.read(sfd, 128);
});

// A handled signal interrupts a parked read with EINTR (no SA_RESTART); the handler ran once.
scenario!(handled_signal_interrupts_a_parked_read, |s| {
    s.sigaction(SIGUSR1, Handler::Log, 0);
    let (r, _w) = s.pipe();
    s.park_read(r, 10);
    s.kill(SIGUSR1, KillTo::Parked);
    s.unpark();
    s.sigstate();
});

// epoll_wait and poll are never restarted, even with SA_RESTART.
scenario!(handled_signal_interrupts_parked_epoll_wait_and_poll, |s| {
    s.sigaction(SIGUSR1, Handler::Log, SA_RESTART);
    let (r, _w) = s.pipe();
    let ep = s.epoll_create1(0);
    s.epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 1);
    s.park_epoll_wait(ep, 4);
    s.kill(SIGUSR1, KillTo::Parked);
    s.unpark();
    s.park_poll(r, POLLIN);
    s.kill(SIGUSR1, KillTo::Parked);
    s.unpark();
    s.sigstate();
});

// With SA_RESTART a parked read is restarted after the handler: it still blocks, then takes
// what is written.
scenario!(sa_restart_restarts_a_parked_read, |s| {
    s.sigaction(SIGUSR1, Handler::Log, SA_RESTART);
    let (r, w) = s.pipe();
    s.park_read(r, 10);
    s.kill(SIGUSR1, KillTo::Parked);
    s.sigstate();
    s.write(w, 3);
    s.unpark();
});

// A process-directed signal that the main thread blocks goes to the parked thread.
scenario!(process_signal_goes_to_the_thread_that_does_not_block_it, |s| {
    s.sigaction(SIGUSR1, Handler::Log, 0);
    let e = s.eventfd(0, 0);
    s.park_read(e, 8);
    s.sigmask(SIG_BLOCK, Some(bit(SIGUSR1)));
    s.kill(SIGUSR1, KillTo::Process);
    s.unpark();
    s.sigstate();
});

// An ignored signal sent to a parked thread does not interrupt it; a signal to a thread whose
// call returned does nothing (-2).
scenario!(ignored_signal_leaves_a_parked_call_alone, |s| {
    s.sigaction(SIGWINCH, Handler::Ign, 0);
    let e = s.eventfd(0, 0);
    s.park_read(e, 8);
    s.kill(SIGWINCH, KillTo::Parked);
    s.write_u64(e, 2);
    s.kill(SIGWINCH, KillTo::Parked);
    s.unpark();
});

/// A signal whose default action ends the process ends both runs at the same operation, with
/// the records before it.
#[test]
fn default_action_ends_the_run_on_both_sides() {
    let mut s = Scenario::new("default_action");
    s.sigaction(SIGUSR1, Handler::Dfl, 0);
    s.sigstate();
    s.kill(SIGUSR1, KillTo::Raise);
    s.sigstate();
    if let Err(m) = check(&s) {
        panic!("\n{m}");
    }
    let kernel = spindle_diff::host::run(&s.resolved());
    assert_eq!(kernel.recs.len(), 2, "{kernel:?}");
    assert_eq!(kernel.end.as_deref(), Some("killed by signal 10"));
}

// A blocked signal raised by the thread pends for the thread (sigpending shows it), one sent
// to the process pends for the process: both show, and both are delivered on unblock.
scenario!(raised_and_process_signals_pend_apart, |s| {
    s.sigaction(SIGWINCH, Handler::Log, 0);
    s.sigaction(SIGUSR1, Handler::Log, 0);
    s.sigmask(SIG_BLOCK, Some(bit(SIGWINCH) | bit(SIGUSR1)));
    s.kill(SIGWINCH, KillTo::Raise);
    s.sigstate();
    s.kill(SIGUSR1, KillTo::Process);
    s.sigstate();
    s.sigmask(SIG_UNBLOCK, Some(bit(SIGWINCH)));
    s.sigstate();
    s.sigmask(SIG_SETMASK, Some(0));
    s.sigstate();
});

// A thread parked in a read of a signalfd wakes when a signal it watches becomes pending, and
// reads its siginfo.
scenario!(parked_signalfd_read_wakes_on_a_signal, |s| {
    s.sigmask(SIG_BLOCK, Some(bit(SIGUSR1)));
    let sfd = s.signalfd(Fd::Abs(-1), bit(SIGUSR1), 0);
    s.park_read(sfd, 128);
    s.kill(SIGUSR1, KillTo::Process);
    s.unpark();
    s.sigstate();
});
