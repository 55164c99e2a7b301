//! Scenarios with a second thread that blocks (`Op::Park`): thread A blocks in a read or an
//! `epoll_wait` without a timeout, the main thread writes, closes or shuts down, and A's result is
//! compared (`Op::Unpark`, a bounded wait) — the kernel's side with a real thread, Spindle's with a
//! guest thread. A call that still blocks is recorded as such on both sides, and ends the scenario.

mod common;

use spindle_diff::scenario::lx::*;
use spindle_diff::scenario::STILL_BLOCKED;
use spindle_diff::{host, vm, Scenario};

// A blocked pipe read gets what the other thread writes.
scenario!(blocked_read_gets_a_write, |s| {
    let (r, w) = s.pipe();
    s.park_read(r, 100);
    s.write(w, 10);
    s.unpark();
    s.read(r, 100); // nothing left: the parked read took the 10 bytes
});

// Closing the last write end wakes a blocked reader with 0 (end of file).
scenario!(blocked_read_sees_eof_on_close, |s| {
    let (r, w) = s.pipe();
    s.park_read(r, 100);
    s.close(w);
    s.unpark();
});

// Closing the fd a read blocks on does not wake it on Linux (the call holds the file).
scenario!(closing_the_read_fd_leaves_the_reader_blocked, |s| {
    let (r, w) = s.pipe();
    s.park_read(r, 100);
    s.close(r);
    s.unpark();
    s.write(w, 10); // not reached: the scenario ends at the blocked call
});

// A socket shut down for writing by its peer wakes a blocked recv-side read with 0.
scenario!(blocked_socket_read_sees_shutdown, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM);
    s.park_read(a, 100);
    s.shutdown(b, SHUT_WR);
    s.unpark();
});

// An eventfd read blocks at 0 and takes the whole counter once written.
scenario!(blocked_eventfd_read_takes_the_counter, |s| {
    let e = s.eventfd(0, 0);
    s.park_read(e, 8);
    s.write_u64(e, 5);
    s.unpark();
});

// An epoll_wait without a timeout wakes on the write that makes its interest ready.
scenario!(blocked_epoll_wait_wakes_on_a_write, |s| {
    let (r, w) = s.pipe();
    let ep = s.epoll_create1(0);
    s.epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 7);
    s.park_epoll_wait(ep, 8);
    s.write(w, 1);
    s.unpark();
    s.epoll_wait(ep, 8); // level-triggered: still ready
});

// Adding a ready interest wakes a blocked epoll_wait.
scenario!(blocked_epoll_wait_wakes_on_a_ready_interest, |s| {
    let e = s.eventfd(1, 0);
    let ep = s.epoll_create1(0);
    s.park_epoll_wait(ep, 8);
    s.epoll_ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLOUT, 3);
    s.unpark();
});

// A read of a non-blocking fd parks nothing: it returns EAGAIN at once.
scenario!(a_non_blocking_parked_read_returns_at_once, |s| {
    let (r, _w) = s.pipe2(O_NONBLOCK);
    s.park_read(r, 100);
    s.unpark();
});

/// A parked call that is never woken is recorded as still blocked, on both sides, and the
/// scenario ends there; a second park while one is parked, and an unpark with none, do nothing.
#[test]
fn a_call_left_blocked_ends_the_scenario_on_both_sides() {
    let mut s = Scenario::new("left_blocked");
    let (r, w) = s.pipe();
    s.unpark(); // nothing parked
    s.park_read(r, 10);
    s.park_read(w, 10); // ignored: one is parked
    s.unpark();
    s.write(w, 1);
    let s = s.resolved();
    let started = std::time::Instant::now();
    let kernel = host::run(&s);
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "the host side took {:?}", started.elapsed());
    let spindle = vm::run(&s);
    assert_eq!(kernel, spindle);
    let rets: Vec<String> = kernel.recs.iter().map(|r| r.ret.to_string()).collect();
    assert_eq!(rets, ["0", "-2", "0", "-2", STILL_BLOCKED.to_string().as_str()], "{kernel:?}");
    assert_eq!(kernel.end, None);
}

// Found by the fuzzer: the write wakes the parked read, which takes the 8 bytes before the main
// thread's read (on Linux only if the woken thread runs first: the harness lets it, as Spindle's
// wake completes the blocked call within the write).
scenario!(a_woken_read_takes_the_data_before_the_next_operation, |s| {
    let (r, w) = s.pipe2(0);
    let r2 = s.dup2(r, r);
    s.park_read(r2, 4095);
    s.write_u64(w, u64::MAX);
    s.read(r, 36545);
    s.unpark();
});

/// The parked read really blocks, on both sides, until the write: it returns the written bytes,
/// and the main thread's read after it finds the pipe empty.
#[test]
fn the_parked_read_blocks_until_the_write() {
    let mut s = Scenario::new("parked_read");
    let (r, w) = s.pipe();
    s.park_read(r, 100);
    s.write(w, 10);
    s.unpark();
    s.read(r, 100);
    let s = s.resolved();
    let (kernel, spindle) = (host::run(&s), vm::run(&s));
    assert_eq!(kernel, spindle);
    let unpark = &kernel.recs[3];
    assert_eq!((unpark.ret.to_string(), unpark.data.as_ref().map(Vec::len)), ("10".to_string(), Some(10)), "{kernel:?}");
    assert_eq!(kernel.recs[4].errno.as_deref(), Some("EAGAIN"), "{kernel:?}");
}
