//! The errors of file-description and fd-table operations.
//!
//! These are *kinds*, not errno numbers: the shim maps each to the errno Linux returns (given
//! in every variant's documentation, as probed in `fds/probes/`).

/// Why an operation on a file description or on the fd table failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum IoError {
    /// Linux: `EBADF`. The fd number is negative, too large, or not open
    /// (probe `fdtable.c`: `close(-1)`, `close(1<<30)`, closing twice, `dup(100)`).
    #[error("bad file descriptor")]
    BadFd,
    /// Linux: `EBADF`. The description is not open for this direction: reading a pipe's write end
    /// or stdout, writing a pipe's read end or stdin (probe `pipe.c`: "write on read end: EBADF",
    /// "read on write end: EBADF", even with a zero length).
    #[error("file descriptor not open for this direction")]
    BadDirection,
    /// Linux: `EAGAIN`. The operation would block. Returned whatever `O_NONBLOCK` says: the shim
    /// decides whether to block the thread and retry.
    #[error("operation would block")]
    WouldBlock,
    /// Linux: `EPIPE` (and `SIGPIPE`, which Spindle treats as ignored). Writing a pipe with no
    /// reader left, or a socket that was shut down for writing (by itself, or by the peer's
    /// `SHUT_RD`, or by the peer's close).
    #[error("broken pipe")]
    BrokenPipe,
    /// Linux: `ECONNRESET`. A socket's peer was closed while data we had sent it was still unread;
    /// reported once, by the next read (or an in-progress write), then cleared.
    #[error("connection reset by peer")]
    ConnectionReset,
    /// Linux: `EINVAL`. An eventfd buffer shorter than 8 bytes (read) or not exactly 8 bytes
    /// (write), an eventfd write of `0xffff_ffff_ffff_ffff`, `dup3` onto the same fd, `F_DUPFD`
    /// with a minimum outside `0..RLIMIT_NOFILE`.
    #[error("invalid argument")]
    InvalidArgument,
    /// Linux: `EMFILE`. No free fd number below the open-files limit (`RLIMIT_NOFILE`).
    #[error("too many open files")]
    TooManyOpenFiles,
    /// Linux: `ENOTSOCK`. A socket operation (`shutdown`, `send`, `recv`) on something that is not
    /// a socket (probe `socketpair.c`: "send on pipe: ENOTSOCK").
    #[error("not a socket")]
    NotSocket,
    /// Linux: `EISDIR`. Reading a directory (probe `files_basic.c`: "read dir: -1 EISDIR").
    #[error("is a directory")]
    IsDirectory,
    /// Linux: `ESPIPE`. Seeking, or a positioned transfer, on a pipe or socket (probe: "lseek
    /// pipe: -1 ESPIPE", "lseek socket: -1 ESPIPE").
    #[error("illegal seek")]
    NotSeekable,
    /// Linux: `EFBIG`. A write that would take a file past the largest offset.
    #[error("file too large")]
    FileTooLarge,
    /// Linux: `ENXIO`. `SEEK_DATA`/`SEEK_HOLE` at or past the end of a file.
    #[error("no such device or address")]
    NoSuchDeviceOrAddress,
    /// Linux: `EBUSY`. `F_SETPIPE_SZ` to fewer slots than the pipe's data occupies.
    #[error("device or resource busy")]
    Busy,
}
