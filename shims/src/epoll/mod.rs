//! The epoll core: every epoll instance of a run as a pure, deterministic state machine that
//! behaves as Linux 6.18's `fs/eventpoll.c` does. It never blocks a thread, reads guest memory
//! or knows errno numbers: the shim decodes the calls, blocks and wakes threads, moves clocks,
//! and tells the core about every file event; the core answers with the events to deliver and
//! the blocked waits that are over.
//!
//! Man pages: [epoll(7)](https://man7.org/linux/man-pages/man7/epoll.7.html),
//! [epoll_create(2)](https://man7.org/linux/man-pages/man2/epoll_create.2.html),
//! [epoll_ctl(2)](https://man7.org/linux/man-pages/man2/epoll_ctl.2.html),
//! [epoll_wait(2)](https://man7.org/linux/man-pages/man2/epoll_wait.2.html). Ground truth: the
//! native probes in `shims/probes/epoll/` (README there); every encoded fact cites the probe line
//! that confirmed it, and the tests in `tests/` replay the probes and compare with their
//! recorded output.
//!
//! # The model, mechanism by mechanism
//!
//! | file | Linux | what |
//! |---|---|---|
//! | [`events`] | `uapi/linux/eventpoll.h`, `f_op->poll` | event bits, poll masks per file kind, wakeup keys |
//! | `interest.rs` | `struct epitem`, `ep->rbr` | interests keyed by (description, fd number) |
//! | `ready_list.rs` | `ep->rdllist` | O(1) FIFO of queued interests, no duplicates |
//! | `waiters.rs` | `ep->wq` | threads blocked in `epoll_wait`, woken most recent first |
//! | `watch.rs` | each file's wait queue | interests per watched description, in wake order |
//! | `wake.rs` | `ep_poll_callback`, `ep_poll_safewake` | what a wakeup queues and wakes |
//! | `harvest.rs` | `ep_send_events`, `ep_eventpoll_poll` | what a wait delivers; an epoll's own readiness |
//! | `ctl.rs` | `ep_insert`, `ep_modify`, `ep_remove` | ADD, MOD, DEL |
//! | [`nesting`] | `ep_loop_check` | ELOOP: cycles and chains longer than 4 links |
//! | [`validate`] | `do_epoll_ctl`, `do_epoll_wait`, … | every errno, in Linux's order of checks |
//!
//! ## Who is woken
//!
//! * Each wakeup that reaches an interest wakes **one** thread blocked on its instance — the one
//!   that blocked **last** (LIFO). One event seen by two interests (an fd and its `dup`) wakes
//!   two threads.
//! * A woken thread collects its events only after the whole event was processed; if it finds
//!   none (another woken thread took them all, or the entry went stale), it blocks again.
//! * After any wait that leaves entries queued, one more blocked thread is woken. So a
//!   level-triggered event wakes **every** blocked thread in turn (each gets it), an
//!   edge-triggered or ONESHOT event wakes one thread per interest reached.
//! * `EPOLLEXCLUSIVE` matters across instances: a wakeup stops at the first exclusive interest
//!   whose instance had a thread to wake; exclusive interests after it are not even queued. A
//!   hang-up ([`Wake::All`]) reaches all.
//! * Closing a watched fd wakes nobody; destroying its description removes its interests.
//!
//! ## Nested instances
//!
//! An instance is itself a pollable description: `EPOLLIN|EPOLLRDNORM` while some queued entry
//! is really ready. The core knows every instance, so nesting needs nothing from the shim: a
//! wakeup reaching an inner instance's interest wakes the outer interests with key `EPOLLIN`,
//! and an outer wait polls the inner instance (dropping its stale entries, consuming nothing).
//!
//! # Integration: what the shim calls
//!
//! One call per file event; readiness is always `Events::from_readiness(desc.readiness(), kind)`
//! *after* the operation.
//!
//! | guest operation (on success unless said) | call |
//! |---|---|
//! | `epoll_create(size)` / `epoll_create1(flags)` | [`check_create`] / [`check_create1`], then [`Epolls::create`]`(new FdId)` |
//! | `epoll_ctl` | [`Epolls::ctl`] with the resolved fds and the decoded event ([`CtlRequest`]) |
//! | `epoll_wait`/`pwait`/`pwait2` | [`check_wait`], then [`Epolls::wait`]; `Blocked` → block the thread (hold the epoll description); at its timeout [`Epolls::cancel_wait`] |
//! | eventfd `write` (8 bytes, 0 included) | `wakeup(id, r, Wake::Key(keys::EVENTFD_WRITE))` |
//! | eventfd `read` | `wakeup(id, r, Wake::Key(keys::EVENTFD_READ))` |
//! | pipe `write` of ≥ 1 byte when it returns — also when it fails with `EAGAIN` on a full pipe; and a blocking write about to wait, if the pipe was empty when it started (or last woke up) | `wakeup(read end, r, Wake::Key(keys::PIPE_WRITE))`, then `readiness_changed(write end, r)` |
//! | pipe `read` of ≥ 1 byte | `readiness_changed(read end, r)`, then `readiness_changed(write end, r)` (it gains `OUT` exactly when a slot of a full pipe was freed, which is Linux's writer wakeup) |
//! | socket `write`/`send` queuing ≥ 1 byte | `wakeup(peer, r, Wake::Key(keys::SOCKET_DATA))` once per skb queued (`n.div_ceil(SKB_MAX_PAYLOAD)` for `n` bytes), then `readiness_changed(self, r)` |
//! | socket `read`/`recv` that freed ≥ 1 skb while the peer is writable afterwards | `wakeup(peer, r, Wake::Key(keys::SOCKET_SPACE))` once per skb freed; otherwise `readiness_changed(peer, r)`; then `readiness_changed(self, r)` |
//! | `shutdown` | `wakeup(self, r, Wake::All)`, then `wakeup(peer, r, Wake::All)` |
//! | last reference of a description dropped (`close`, `dup2` over it, a hold released) | [`Epolls::destroyed`]`(id)`, then for its peer `wakeup(peer, r, Wake::All)` |
//! | `dup`, `fcntl`, failed operations, 0-byte reads and writes, `EPIPE` | nothing |
//! | timerfd expiry (future) | `wakeup(id, r, Wake::Key(keys::TIMERFD))` |
//!
//! Each call returns an [`Outcome`]: unblock every [`Delivery`] in order, giving the thread its
//! events (or `EFAULT`) and acquiring, for each event, the readiness clock of `event.fd` — for
//! an event about a nested instance, that instance's own clock, which the shim releases into
//! (with the current thread's clock) for every instance in [`Outcome::polled`].
//!
//! Facts behind the table (probe `edges.c`): an eventfd write of 0 is an edge ("eventfd IN|OUT,
//! readable, write 0: `[efd:IN|OUT]`"), a failed eventfd read or write is not ("after a failed read
//! (EAGAIN): `[]`"); every pipe write is an edge ("pipe write 1 byte while already readable:
//! `[r:IN]`"), even one that fails on a full pipe ("pipe after a failed write (EAGAIN): `[r:IN]`"), a
//! 0-byte one is not; a blocking write wakes the reader before it sleeps only if it started on an
//! empty pipe ("empty pipe, a blocking 100000-byte write fills it and blocks: `[r:IN]`", "pipe
//! full, a blocking 1-byte write blocks: `[]`", "... edges while it was still blocked: 0") and
//! again when it returns ("the read that let the write complete: `[r:IN]`"); a pipe read wakes the writer only when it frees a slot of a full pipe ("pipe
//! full, read 1 byte (no slot freed): `[]`", "... read the rest of the first slot (slot freed):
//! `[w:OUT]`", "pipe no longer full, read a whole slot: `[]`"); a socket read wakes the writer when
//! it frees a skb and the writer is writable ("socket OUT, peer reads part of our 3-byte write:
//! `[]`", "... reads the rest of it: `[s0_out:OUT]`", "socket full: first OUT edge after 209
//! one-byte reads"); a socket write is one wakeup per skb (probe `exclusive.c`: with two exclusive
//! instances, "peer writes 1 byte: thread on E2 got: `[]`", "peer writes 100000 bytes: thread on
//! E2 got: `[E2:IN]`"); shutdown and close wake everyone whatever their mask ("socket OUT only both
//! ends, shutdown(s0, SHUT_RD): `[s0_out:OUT, s1_out:OUT]`", "socket OUT only, peer closed:
//! `[s1_out:OUT|HUP]`").
//!
//! # Not modelled
//!
//! `EPOLLWAKEUP` is accepted and does nothing (no suspend). The wakeup-path limits of
//! `reverse_path_check` (EINVAL past 500 paths of depth 1 …) and `max_user_watches` (ENOSPC)
//! are not checked.

mod ctl;
mod epolls;
mod errno;
pub mod events;
mod harvest;
mod instance;
mod interest;
pub mod nesting;
mod ready_list;
pub mod validate;
mod waiters;
mod wake;
mod watch;

#[cfg(test)]
mod tests;

pub use epolls::{CtlRequest, Delivery, Epolls, Event, Outcome, TargetFd, WaitResult, Wake};
pub use errno::Errno;
pub use events::{keys, EpollEvent, Events, PollKind};
pub use nesting::{check_nesting, EP_MAX_NESTS};
pub use validate::{
    check_create, check_create1, check_ctl, check_wait, timeout_from_ms, timeout_from_timespec, CtlCheck, CtlOp, FdArg, FileFacts,
    SigmaskArg, Timeout, WaitCheck, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EP_MAX_EVENTS,
};
pub use waiters::{WaitBuffer, WaiterId};
