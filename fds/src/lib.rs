//! Spindle's file descriptions and fd table.
//!
//! Pure state machines for the files a guest can open — [eventfds](eventfd),
//! [pipes](pipe), [`AF_UNIX` stream socket pairs](socket), the [standard streams](stdio) and
//! [files opened by name](file) (regular files, directories, `/dev/null`, `/dev/zero`) —
//! and the [fd table](table) that numbers them. They behave as Linux 6.18 on x86-64 does; every
//! encoded fact cites the native probe in `fds/probes/` that confirmed it (see
//! `fds/probes/README.md`).
//!
//! This crate knows nothing of epoll, of threads or blocking, of guest memory or of errno
//! numbers. The `spindle-shims` crate owns the Linux ABI and drives it:
//!
//! 1. **Look up.** [`FdTable::lookup`] turns an fd number into a stable [`FdId`] (never reused);
//!    [`FdTable::get_mut`] gives the [`Description`].
//! 2. **Operate.** [`Description::read`], [`Description::write`], [`Description::recv`],
//!    [`Description::send`], [`Description::shutdown`] never block: where Linux would block they
//!    return [`IoError::WouldBlock`] whatever `O_NONBLOCK` says. Errors are [`IoError`] kinds,
//!    each documented with the errno Linux gives.
//! 3. **Clocks.** Writes take the writer's *released* clock; reads join the clocks of what they
//!    read into an *acquired* clock the caller then acquires. Eventfds keep one clock; pipes and
//!    sockets keep one per written chunk, so a read acquires exactly the writes whose bytes it
//!    consumed. Failed operations, EOF and `EAGAIN` move no clock.
//! 4. **Readiness.** After any operation on a description, its [`Description::readiness`] and
//!    that of its [`Description::peer`] may have changed; readiness is computed from state on
//!    demand, so it cannot be stale.
//! 5. **Blocking.** To block a thread on a description, [`FdTable::hold`] it (closing its fds
//!    then does not destroy it, as Linux's blocked syscall keeps its file); retry the operation
//!    when the description's readiness changes — for a write, [`Description::resume_write`]
//!    with the bytes not yet written — and [`FdTable::release`] it when done. Readiness changes
//!    are exactly when Linux wakes such waiters: a pipe's reader when it becomes readable or
//!    hung up, its writer when a slot frees or the reader goes; a socket's writer only when it
//!    becomes *writable* by the quarter-of-`SO_SNDBUF` rule, not as soon as a write would fit
//!    (probe `blocking.c`); an eventfd's waiters whenever the counter moves.
//! 6. **Lifetime.** [`FdTable::close`], [`FdTable::dup2`], [`FdTable::dup3`] and
//!    [`FdTable::release`] report a [`Destroyed`] when a description's last reference goes, naming
//!    the peer whose readiness changed (epoll interests keyed by the description die then).
//!
//! `SIGPIPE` is not modelled: writes that Linux would answer with `SIGPIPE` + `EPIPE` just give
//! [`IoError::BrokenPipe`], as if the signal were ignored.

#![forbid(unsafe_code)]

mod buffer;
pub mod description;
pub mod error;
pub mod eventfd;
pub mod file;
pub mod id_map;
pub mod pipe;
pub mod readiness;
pub mod socket;
pub mod stdio;
pub mod table;

pub use buffer::CHUNK_OVERHEAD;
pub use description::{AccessMode, Description, DescriptionKind, FileStatus, HostFile, StatusFlags};
pub use error::IoError;
pub use eventfd::{EventFd, EVENTFD_MAX};
pub use file::{File, FileKind, Inode, InodeRef, Whence, MAX_FILE_SIZE};
pub use id_map::IdMap;
pub use pipe::{PipeEnd, PipeSide, PIPE_BUF, PIPE_CAPACITY};
pub use readiness::Readiness;
pub use socket::{Shutdown, SocketEnd, SOCKET_SNDBUF};
pub use spindle_vm::clock::VClock;
pub use stdio::{StdStream, Stdio};
pub use table::{Destroyed, FdNumbers, FdTable, DEFAULT_MAX_FDS};

/// An fd number as the guest sees it (`int`). Negative and out-of-range numbers are simply not
/// open ([`IoError::BadFd`]).
pub type FdNum = i32;

/// The stable identity of an open file description: assigned at creation, shared by every `dup`,
/// never reused, ordered by creation. Epoll interests key on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FdId(pub u64);

impl std::fmt::Display for FdId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "description#{}", self.0)
    }
}
