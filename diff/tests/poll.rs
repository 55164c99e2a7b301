//! Hand-written `poll`, `ppoll` and `select` scenarios: the masks each kind of fd reports (the
//! RDNORM/WRNORM/RDHUP bits included), negative fds (ignored), closed fds (`POLLNVAL`), invalid
//! arguments, and a second thread blocked in a `poll` without a timeout.

mod common;

use spindle_diff::scenario::lx::*;
use spindle_diff::scenario::PollCall;
use spindle_diff::Fd;

const ALL: u16 = 0xffff;
const IN_OUT: u16 = POLLIN | POLLOUT;

// A pipe's ends as its data and its other end come and go.
scenario!(poll_pipe_masks, |s| {
    let (r, w) = s.pipe2(O_NONBLOCK);
    s.poll(&[(r, ALL), (w, ALL)]); // write end OUT|WRNORM; read end nothing
    s.write(w, 10);
    s.poll(&[(r, ALL), (r, POLLIN), (r, 0), (w, POLLOUT)]);
    s.close(w);
    s.poll(&[(r, ALL), (r, 0)]); // HUP even when not asked
    s.read(r, 100);
    s.poll(&[(r, POLLIN)]);
    let (r2, w2) = s.pipe();
    s.close(r2);
    s.poll(&[(w2, ALL), (w2, 0)]); // ERR even when not asked
});

// A full pipe is not writable; PIPE_BUF bytes of room make it so again.
scenario!(poll_full_pipe, |s| {
    let (r, w) = s.pipe2(O_NONBLOCK);
    s.write(w, 65536);
    s.poll(&[(w, ALL), (r, ALL)]);
    s.read(r, 4096);
    s.poll(&[(w, ALL)]);
});

// An eventfd: OUT at 0, IN|OUT with a count, IN only at its maximum.
scenario!(poll_eventfd_masks, |s| {
    let e = s.eventfd(0, EFD_NONBLOCK);
    s.poll(&[(e, ALL)]);
    s.write_u64(e, 1);
    s.poll(&[(e, ALL), (e, POLLIN | POLLRDNORM)]);
    s.write_u64(e, 0xffff_ffff_ffff_fffd);
    s.poll(&[(e, ALL)]);
});

// A socket: RDHUP after the peer's SHUT_WR, HUP after both directions are shut, ERR-free.
scenario!(poll_socket_masks, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.poll(&[(a, ALL), (b, ALL)]);
    s.send(b, 5, 0);
    s.poll(&[(a, ALL), (a, POLLRDHUP)]);
    s.shutdown(b, SHUT_WR);
    s.poll(&[(a, ALL), (a, POLLRDHUP), (a, POLLIN)]);
    s.shutdown(a, SHUT_WR);
    s.poll(&[(a, ALL), (b, ALL)]);
    s.close(b);
    s.poll(&[(a, ALL), (a, 0)]);
});

// An epoll fd is readable while an interest is ready.
scenario!(poll_epoll_fd, |s| {
    let e = s.eventfd(0, EFD_NONBLOCK);
    let ep = s.epoll_create1(0);
    s.epoll_ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, 1);
    s.poll(&[(ep, ALL)]);
    s.write_u64(e, 3);
    s.poll(&[(ep, ALL), (ep, POLLIN)]);
});

// Negative fds are skipped (revents 0, not counted); closed and never-opened ones are POLLNVAL
// whatever was asked, and counted; fds beyond any limit too.
scenario!(poll_negative_and_closed_fds, |s| {
    let (r, w) = s.pipe();
    s.close(r);
    s.poll(&[(Fd::Abs(-1), ALL), (r, POLLIN), (Fd::Rel(30), 0), (w, POLLOUT), (Fd::Abs(i32::MIN), ALL), (Fd::Abs(1 << 30), POLLIN)]);
    s.poll(&[(Fd::Abs(-5), ALL)]);
    s.poll(&[]);
});

// ppoll with a zero timeout answers as poll; an invalid timeout is EINVAL, as is an nfds above
// RLIMIT_NOFILE.
scenario!(ppoll_and_invalid_arguments, |s| {
    let (r, w) = s.pipe();
    s.write(w, 1);
    s.poll_call(PollCall::Ppoll, &[(r, ALL), (w, IN_OUT), (Fd::Rel(20), POLLIN)]);
    s.poll_call(PollCall::PpollBadTime, &[(r, ALL)]);
    s.poll_call(PollCall::HugeNfds, &[(r, ALL)]);
});

// select: readable, writable and exceptional sets of pipes and sockets; NULL sets; bits at or
// above nfds are not looked at; a closed fd below nfds is EBADF; a negative nfds is EINVAL.
scenario!(select_sets, |s| {
    let (_r, w) = s.pipe(); // base+0, base+1
    let (a, b) = s.socketpair(SOCK_STREAM); // base+2, base+3
    s.select(7, Some(0b1111), Some(0b1111), Some(0b1111)); // nothing readable yet
    s.write(w, 3);
    s.send(b, 1, 0);
    s.select(7, Some(0b1111), Some(0b1111), None);
    s.select(5, Some(0b1111), None, None); // nfds 5: only base+0 and base+1
    s.select(20, Some(0b1_0000), None, None); // base+4 is closed: EBADF
    s.select(-1, None, None, None);
    s.select(0, None, None, None);
    s.shutdown(a, SHUT_RDWR);
    s.select(7, Some(0b1100), Some(0b1100), Some(0b1100));
});

// A thread blocked in poll without a timeout wakes with the revents the write made.
scenario!(blocked_poll_wakes_on_a_write, |s| {
    let (r, w) = s.pipe();
    s.park_poll(r, POLLIN | POLLRDNORM);
    s.poll(&[(r, ALL)]);
    s.write(w, 4);
    s.unpark();
});

// A blocked poll wakes with HUP when the writer goes, even though it asked for IN only.
scenario!(blocked_poll_wakes_on_hangup, |s| {
    let (r, w) = s.pipe();
    s.park_poll(r, POLLIN);
    s.close(w);
    s.unpark();
});

// A blocked poll of a socket for RDHUP wakes on the peer's SHUT_WR.
scenario!(blocked_poll_wakes_on_rdhup, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM);
    s.park_poll(a, POLLRDHUP);
    s.shutdown(b, SHUT_WR);
    s.unpark();
});

// A poll on a closed fd returns at once with POLLNVAL, even without a timeout.
scenario!(blocked_poll_of_a_closed_fd_returns_at_once, |s| {
    s.park_poll(Fd::Rel(9), POLLIN);
    s.unpark();
});

// Found by the fuzzer: a blocked poll holds the files it waits on; closing its fd does not wake
// it (with POLLNVAL), and neither does a ready file that takes the number over.
scenario!(closing_a_polled_fd_leaves_the_poll_blocked, |s| {
    let ep = s.epoll_create1(0);
    s.park_poll(ep, POLLIN);
    s.close(ep);
    s.eventfd(1, EFD_NONBLOCK); // takes ep's number, and is readable
    s.unpark();
});

// The same with a pipe: the poll stays blocked until the file it holds is ready.
scenario!(a_poll_wakes_on_the_file_it_holds, |s| {
    let (r, w) = s.pipe();
    let r2 = s.dup(r);
    s.park_poll(r, POLLIN);
    s.close(r);
    s.poll(&[(r2, POLLIN)]);
    s.write(w, 1); // the held pipe is readable now: the poll looks its fd up again (closed)
    s.unpark();
});
