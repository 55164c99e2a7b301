//! Hand-written epoll scenarios (epoll_create1, epoll_ctl ADD/MOD/DEL, epoll_wait with timeout
//! 0). Until Spindle's shim table has the epoll calls they run against the kernel, and Spindle
//! must agree up to the first epoll call and stop there as unsupported (see `common::agree`);
//! once epoll lands they compare every record. Quoted facts are lines of
//! `shims/probes/epoll/output/`.

mod common;

use spindle_diff::scenario::lx::*;
use spindle_diff::Fd;

const NB: u32 = O_NONBLOCK;
const ADD: i32 = EPOLL_CTL_ADD;
const MOD: i32 = EPOLL_CTL_MOD;
const DEL: i32 = EPOLL_CTL_DEL;

scenario!(epoll_create1_flags, |s| {
    let ep = s.epoll_create1(0);
    s.getfd(ep); // "epoll_create1(0): FD_CLOEXEC clear, F_GETFL 0x2"
    s.getfl(ep);
    let c = s.epoll_create1(EPOLL_CLOEXEC); // "epoll_create1(EPOLL_CLOEXEC): ok, FD_CLOEXEC set"
    s.getfd(c);
    s.epoll_create1(1); // "epoll_create1(1): EINVAL"
    s.epoll_create1(O_NONBLOCK); // "epoll_create1(O_NONBLOCK): EINVAL"
    s.epoll_create1(EPOLL_CLOEXEC | 1);
    s.read(ep, 8); // "read on an epoll fd: EINVAL"
    s.write(ep, 8); // "write on an epoll fd: EINVAL"
});

scenario!(epoll_ctl_errors, |s| {
    let ep = s.epoll_create1(0);
    let e = s.eventfd(0, NB);
    s.epoll_ctl_null(ep, ADD, e); // "ctl ADD, NULL event pointer: EFAULT"
    s.epoll_ctl(Fd::Abs(-1), ADD, e, EPOLLIN, 1); // "ctl ADD, epfd -1: EBADF"
    s.epoll_ctl(ep, ADD, Fd::Abs(-1), EPOLLIN, 1); // "ctl ADD, epoll, fd -1: EBADF"
    s.epoll_ctl(ep, ADD, Fd::Rel(40), EPOLLIN, 1); // "ctl ADD, epoll, closed fd: EBADF"
    s.epoll_ctl(e, ADD, e, EPOLLIN, 1); // "ctl ADD, eventfd as epfd, itself: EINVAL"
    s.epoll_ctl(ep, ADD, ep, EPOLLIN, 1); // "ctl ADD, epoll, itself: EINVAL"
    s.epoll_ctl(ep, 99, e, EPOLLIN, 1);
    s.epoll_ctl(ep, 0, e, EPOLLIN, 1);
    s.epoll_ctl(ep, MOD, e, EPOLLIN, 1); // "ctl MOD, not registered: ENOENT"
    s.epoll_ctl(ep, DEL, e, EPOLLIN, 1);
    s.epoll_ctl(ep, ADD, e, EPOLLIN, 1);
    s.epoll_ctl(ep, ADD, e, EPOLLIN, 2); // EEXIST
    s.epoll_ctl_null(ep, DEL, e); // "ctl DEL, NULL event pointer, registered: 0"
    s.epoll_ctl(ep, ADD, e, EPOLLIN | EPOLLEXCLUSIVE, 3);
    s.epoll_ctl(ep, MOD, e, EPOLLIN, 4); // MOD of an exclusive interest: EINVAL
    s.epoll_ctl(ep, DEL, e, 0, 0);
    s.epoll_ctl(ep, ADD, e, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 5);
    s.epoll_ctl(ep, ADD, e, EPOLLIN | 0x800, 6);
    s.epoll_wait(ep, 64);
});

scenario!(epoll_wait_errors, |s| {
    let ep = s.epoll_create1(0);
    let e = s.eventfd(1, NB);
    s.epoll_ctl(ep, ADD, e, EPOLLIN, 7);
    s.epoll_wait(ep, 0); // "epoll_wait_maxevent_zero ET maxevents 0: EINVAL"
    s.epoll_wait(ep, -1);
    s.epoll_wait(ep, 1 << 28);
    s.epoll_wait(ep, i32::MAX);
    s.epoll_wait(e, 64); // not an epoll: EINVAL
    s.epoll_wait(Fd::Abs(-1), 64);
    s.epoll_wait(Fd::Rel(40), 64);
    s.epoll_wait(ep, 1);
});

scenario!(epoll_eventfd_levels, |s| {
    let ep = s.epoll_create1(0);
    let e = s.eventfd(0, NB);
    s.epoll_ctl(ep, ADD, e, EPOLLIN | EPOLLOUT, 42);
    s.epoll_wait(ep, 64); // OUT
    s.write_u64(e, 1);
    s.epoll_wait(ep, 64); // IN|OUT
    s.epoll_wait(ep, 64); // level-triggered: again
    s.write_u64(e, 0xffff_ffff_ffff_fffd);
    s.epoll_wait(ep, 64); // IN only at the maximum
    s.read(e, 8);
    s.epoll_wait(ep, 64);
    s.epoll_ctl(ep, MOD, e, EPOLLIN, u64::MAX);
    s.epoll_wait(ep, 64); // nothing
    s.write_u64(e, 3);
    s.epoll_wait(ep, 64);
    s.epoll_ctl(ep, DEL, e, 0, 0);
    s.epoll_wait(ep, 64);
});

scenario!(epoll_edge_triggered, |s| {
    let ep = s.epoll_create1(0);
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.epoll_ctl(ep, ADD, b, EPOLLIN | EPOLLOUT | EPOLLET, 1);
    s.write(a, 5);
    s.epoll_wait(ep, 64); // "socketpair ET first wait: [fds1:IN|OUT]"
    s.epoll_wait(ep, 64); // "second wait: []"
    s.write(a, 5);
    s.epoll_wait(ep, 64); // "after 5 more bytes: [fds1:IN|OUT]"
    s.close(a);
    s.epoll_wait(ep, 64); // "after peer close: [fds1:IN|OUT|HUP|RDHUP]"
    let e = s.eventfd(1, NB);
    s.epoll_ctl(ep, ADD, e, EPOLLIN | EPOLLOUT | EPOLLET, 2);
    s.epoll_wait(ep, 64); // "eventfd ET after write 1 and add: [efd:IN|OUT]"
    s.write_u64(e, 0);
    s.epoll_wait(ep, 64); // "after write 0: [efd:IN|OUT]"
    s.read(e, 8);
    s.epoll_wait(ep, 64); // "after read: [efd:OUT]"
});

scenario!(epoll_oneshot, |s| {
    let ep = s.epoll_create1(0);
    let e = s.eventfd(1, NB);
    s.epoll_ctl(ep, ADD, e, EPOLLIN | EPOLLONESHOT, 5);
    s.epoll_wait(ep, 64);
    s.epoll_wait(ep, 64); // disarmed
    s.write_u64(e, 1);
    s.epoll_wait(ep, 64); // still disarmed
    s.epoll_ctl(ep, MOD, e, EPOLLIN | EPOLLONESHOT, 6); // re-armed
    s.epoll_wait(ep, 64);
    s.epoll_ctl(ep, ADD, e, EPOLLIN, 7); // EEXIST: a disarmed interest is still there
});

scenario!(epoll_pipe_and_socket_events, |s| {
    let ep = s.epoll_create1(0);
    let (r, w) = s.pipe2(NB);
    let all = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI;
    s.epoll_ctl(ep, ADD, r, all, 10);
    s.epoll_ctl(ep, ADD, w, all, 11);
    s.epoll_wait(ep, 64);
    s.write(w, 65536);
    s.epoll_wait(ep, 64); // full: read end IN, write end nothing
    s.close(r);
    s.epoll_wait(ep, 64); // write end OUT|ERR? (reader gone)
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.epoll_ctl(ep, ADD, a, all, 20);
    s.epoll_ctl(ep, ADD, b, all, 21);
    s.shutdown(a, SHUT_WR);
    s.epoll_wait(ep, 64);
    s.write(b, 2);
    s.close(b);
    s.epoll_wait(ep, 64);
});

scenario!(epoll_maxevents_and_order, |s| {
    let ep = s.epoll_create1(0);
    let e1 = s.eventfd(1, NB);
    let e2 = s.eventfd(1, NB);
    let e3 = s.eventfd(1, NB);
    s.epoll_ctl(ep, ADD, e1, EPOLLIN, 1);
    s.epoll_ctl(ep, ADD, e2, EPOLLIN, 2);
    s.epoll_ctl(ep, ADD, e3, EPOLLIN, 3);
    s.epoll_wait(ep, 1);
    s.epoll_wait(ep, 1); // level-triggered entries go to the back of the ready list
    s.epoll_wait(ep, 2);
    s.epoll_wait(ep, 64);
    s.read(e2, 8);
    s.epoll_wait(ep, 64);
});

scenario!(epoll_interests_follow_descriptions, |s| {
    let ep = s.epoll_create1(0);
    let e = s.eventfd(1, NB);
    let d = s.dup(e);
    s.epoll_ctl(ep, ADD, e, EPOLLIN, 1);
    s.epoll_ctl(ep, ADD, d, EPOLLIN, 2); // the same description under another number
    s.epoll_wait(ep, 64); // "two_same_fd_in_same_epoll_instance"
    s.close(e);
    s.epoll_wait(ep, 64); // the interest stays while the description lives
    s.epoll_ctl(ep, DEL, e, 0, 0); // EBADF: the number is closed
    s.close(d);
    s.epoll_wait(ep, 64); // "closed_fd ET write then close: []"
    let f = s.eventfd(1, NB); // reuses e's number
    s.epoll_ctl(ep, ADD, f, EPOLLIN, 3);
    s.epoll_wait(ep, 64);
});

scenario!(epoll_nested, |s| {
    let inner = s.epoll_create1(0);
    let outer = s.epoll_create1(0);
    let e = s.eventfd(0, NB);
    s.epoll_ctl(inner, ADD, e, EPOLLIN, 1);
    s.epoll_ctl(outer, ADD, inner, EPOLLIN, 2);
    s.epoll_wait(outer, 64);
    s.write_u64(e, 1);
    s.epoll_wait(outer, 64);
    s.epoll_wait(inner, 64);
    s.epoll_ctl(inner, ADD, outer, EPOLLIN, 3); // a cycle: ELOOP
    s.epoll_wait(outer, 64);
});
