//! Open file descriptions: the state shared by every fd that `dup` made from one `open`/`pipe`/…
//!
//! Man page: <https://man7.org/linux/man-pages/man2/open.2.html> ("open file description"),
//! <https://man7.org/linux/man-pages/man2/fcntl.2.html> (status flags).

use crate::error::IoError;
use crate::eventfd::EventFd;
use crate::file::{File, FileKind, Whence};
use crate::pipe::{PipeEnd, PipeSide};
use crate::readiness::Readiness;
use crate::socket::{Shutdown, SocketEnd};
use crate::stdio::{StdStream, Stdio};
use crate::FdId;
use spindle_vm::clock::VClock;

/// What kind of file a description is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DescriptionKind {
    /// fd 0 at start-up.
    Stdin,
    /// fd 1 at start-up.
    Stdout,
    /// fd 2 at start-up.
    Stderr,
    /// An eventfd.
    EventFd,
    /// A pipe's read end.
    PipeRead,
    /// A pipe's write end.
    PipeWrite,
    /// One end of a `socketpair(AF_UNIX, SOCK_STREAM)`.
    Socket,
    /// A description whose behaviour the shim layer implements (an epoll instance).
    Host,
    /// A regular file opened by name.
    RegularFile,
    /// A directory opened by name.
    Directory,
    /// A character device opened by name (`/dev/null`, `/dev/zero`).
    Device,
}

/// The access mode a description was opened with (`O_ACCMODE` of `F_GETFL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessMode {
    /// `O_RDONLY`.
    ReadOnly,
    /// `O_WRONLY`.
    WriteOnly,
    /// `O_RDWR`.
    ReadWrite,
}

/// The file status flags that `F_SETFL` can change and Spindle models. They belong to the
/// description: every fd `dup`ed from it sees a change (probe `fdtable.c`: "getfl of its dup 60:
/// O_RDWR|O_NONBLOCK").
///
/// Linux's `F_SETFL` also accepts `O_ASYNC`, `O_DIRECT` and `O_NOATIME`, which Spindle does not
/// model (the shim reports them unsupported), and ignores the access mode and creation flags
/// (probe `pipe.c`: "setfl read end O_RDWR|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_NONBLOCK: 0 ->
/// O_RDONLY|O_NONBLOCK").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct StatusFlags {
    /// `O_NONBLOCK`. Only the shim acts on it (operations here never block); changing it does
    /// not wake a thread already blocked.
    pub nonblock: bool,
    /// `O_APPEND`: stored and reported, no effect on pipes, sockets and eventfds (probe
    /// `pipe.c`: "setfl read end O_APPEND: 0 -> O_RDONLY|O_APPEND").
    pub append: bool,
}

/// Everything `F_GETFL` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileStatus {
    /// The access mode.
    pub access: AccessMode,
    /// The changeable status flags.
    pub flags: StatusFlags,
    /// `O_LARGEFILE` (kernel value `0100000`): set by `open(2)` on 64-bit kernels, so on the
    /// `/dev/null`-like standard streams (probe `stdio.c`: "getfl /dev/null O_RDONLY:
    /// O_RDONLY|O_LARGEFILE"), never on pipes, sockets or eventfds (probes: "getfl pipe() read
    /// end: O_RDONLY (0x0)", "getfl socketpair(SOCK_STREAM): O_RDWR (0x2)", "getfl eventfd(10,
    /// 0): O_RDWR (0x2)").
    pub largefile: bool,
    /// The `O_ACCMODE` bits `F_GETFL` shows: 0, 1 or 2 as [`FileStatus::access`] says, or 3 for a
    /// file opened with access mode 3 (open for neither reading nor writing).
    pub accmode: u64,
}

/// An open file description.
#[derive(Debug)]
pub enum Description {
    /// A standard stream.
    Stdio(Stdio),
    /// An eventfd.
    EventFd(EventFd),
    /// A pipe end.
    Pipe(PipeEnd),
    /// A stream socket end.
    Socket(SocketEnd),
    /// A description whose state lives in the shim layer (an epoll instance): to this crate it
    /// is an identity with references, like every other description, and nothing more.
    Host(HostFile),
    /// A file opened by name.
    File(File),
}

/// A description implemented outside this crate. Reads and writes fail with EINVAL, as they do
/// on an epoll fd; its readiness is the implementer's to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostFile {
    /// What it is, for messages (`"epoll"`).
    pub name: &'static str,
}

impl Description {
    /// The kind of file.
    pub fn kind(&self) -> DescriptionKind {
        match self {
            Description::Stdio(s) => match s.stream() {
                StdStream::Stdin => DescriptionKind::Stdin,
                StdStream::Stdout => DescriptionKind::Stdout,
                StdStream::Stderr => DescriptionKind::Stderr,
            },
            Description::EventFd(_) => DescriptionKind::EventFd,
            Description::Pipe(p) => match p.side() {
                PipeSide::Read => DescriptionKind::PipeRead,
                PipeSide::Write => DescriptionKind::PipeWrite,
            },
            Description::Socket(_) => DescriptionKind::Socket,
            Description::Host(_) => DescriptionKind::Host,
            Description::File(f) => match f.kind() {
                FileKind::Regular { .. } => DescriptionKind::RegularFile,
                FileKind::Directory { .. } => DescriptionKind::Directory,
                FileKind::Null | FileKind::Zero => DescriptionKind::Device,
            },
        }
    }

    /// The access mode `F_GETFL` reports: pipe ends `O_RDONLY`/`O_WRONLY` (probe `pipe.c`),
    /// eventfds and sockets `O_RDWR` (probes `eventfd.c`, `socketpair.c`), stdin `O_RDONLY`,
    /// stdout/stderr `O_WRONLY`.
    pub fn access_mode(&self) -> AccessMode {
        if let Description::File(f) = self {
            return f.access();
        }
        match self.kind() {
            DescriptionKind::Stdin | DescriptionKind::PipeRead => AccessMode::ReadOnly,
            DescriptionKind::Stdout | DescriptionKind::Stderr | DescriptionKind::PipeWrite => AccessMode::WriteOnly,
            DescriptionKind::EventFd | DescriptionKind::Socket | DescriptionKind::Host => AccessMode::ReadWrite,
            DescriptionKind::RegularFile | DescriptionKind::Directory | DescriptionKind::Device => AccessMode::ReadOnly,
        }
    }

    /// The `O_ACCMODE` bits of `F_GETFL` and fdinfo's `flags:` (3 for a file opened with access
    /// mode 3, which Linux keeps in `f_flags`).
    pub fn accmode(&self) -> u64 {
        match self {
            Description::File(f) if !f.can_read() && !f.can_write() => 3,
            _ => match self.access_mode() {
                AccessMode::ReadOnly => 0,
                AccessMode::WriteOnly => 1,
                AccessMode::ReadWrite => 2,
            },
        }
    }

    /// Whether the description was opened for reading (Linux's `FMODE_READ`): `read` of one that
    /// was not is `EBADF` before anything else is looked at. A file opened with access mode 3 is
    /// open for neither reading nor writing.
    pub fn readable(&self) -> bool {
        match self {
            Description::File(f) => f.can_read(),
            _ => self.access_mode() != AccessMode::WriteOnly,
        }
    }

    /// Whether the description was opened for writing (Linux's `FMODE_WRITE`); see
    /// [`Description::readable`].
    pub fn writable(&self) -> bool {
        match self {
            Description::File(f) => f.can_write(),
            _ => self.access_mode() != AccessMode::ReadOnly,
        }
    }

    /// Whether `F_GETFL` includes `O_LARGEFILE` (see [`FileStatus::largefile`]).
    pub fn largefile(&self) -> bool {
        matches!(self, Description::Stdio(_) | Description::File(_))
    }

    /// Whether the file has a poll method, i.e. can be added to an epoll set (Linux:
    /// `epoll_ctl` gives `EPERM` otherwise; probe `stdio.c`). Poll(2) still reports
    /// [`Description::readiness`] for the others.
    pub fn pollable(&self) -> bool {
        !matches!(self, Description::Stdio(_) | Description::File(_))
    }

    /// `read(2)`. Never blocks: where Linux would block this returns [`IoError::WouldBlock`].
    /// `acquired` receives the join of the clocks of what was read. See each mechanism.
    pub fn read(&mut self, buf: &mut [u8], acquired: &mut VClock) -> Result<usize, IoError> {
        match self {
            Description::Stdio(s) => s.read(buf, acquired),
            Description::EventFd(e) => e.read(buf, acquired),
            Description::Pipe(p) => p.read(buf, acquired),
            Description::Socket(s) => s.read(buf, acquired),
            Description::Host(_) => Err(IoError::InvalidArgument),
            Description::File(f) => f.read(buf, acquired),
        }
    }

    /// `write(2)`, entering the call. `released` is the writer's released clock. Never blocks;
    /// may be short (pipes, sockets).
    pub fn write(&mut self, data: &[u8], released: &VClock) -> Result<usize, IoError> {
        match self {
            Description::Stdio(s) => s.write(data, released),
            Description::EventFd(e) => e.write(data, released),
            Description::Pipe(p) => p.write(data, released),
            Description::Socket(s) => s.write(data, released),
            Description::Host(_) => Err(IoError::InvalidArgument),
            Description::File(f) => f.write(data, released),
        }
    }

    /// `pread(2)`: pipes and sockets are [`IoError::NotSeekable`], as are eventfds and the shim's
    /// files (their anonymous inodes cannot `pread`); the standard streams read as `read`.
    pub fn pread(&mut self, buf: &mut [u8], offset: u64, acquired: &mut VClock) -> Result<usize, IoError> {
        match self {
            Description::File(f) => f.pread(buf, offset, acquired),
            Description::Stdio(s) => s.read(buf, acquired),
            _ => Err(IoError::NotSeekable),
        }
    }

    /// `pwrite(2)`, as [`Description::pread`].
    pub fn pwrite(&mut self, data: &[u8], offset: u64, released: &VClock) -> Result<usize, IoError> {
        match self {
            Description::File(f) => f.pwrite(data, offset, released),
            Description::Stdio(s) => s.write(data, released),
            _ => Err(IoError::NotSeekable),
        }
    }

    /// `lseek(2)`: pipes and sockets are [`IoError::NotSeekable`] (probe `files_basic.c`: "lseek
    /// pipe: -1 ESPIPE"); eventfds, epoll instances, timerfds and the standard streams (devices)
    /// accept any seek and stay at 0 (probe: "lseek epoll: 0", "lseek eventfd: 0").
    pub fn seek(&mut self, offset: i64, whence: Whence) -> Result<u64, IoError> {
        match self {
            Description::File(f) => f.seek(offset, whence),
            Description::Pipe(_) | Description::Socket(_) => Err(IoError::NotSeekable),
            Description::Stdio(_) | Description::EventFd(_) | Description::Host(_) => Ok(0),
        }
    }

    /// The file opened by name, if this is one.
    pub fn as_file(&self) -> Option<&File> {
        match self {
            Description::File(f) => Some(f),
            _ => None,
        }
    }

    /// The file opened by name, mutably, if this is one.
    pub fn as_file_mut(&mut self) -> Option<&mut File> {
        match self {
            Description::File(f) => Some(f),
            _ => None,
        }
    }

    /// Continues a blocking `write(2)`/`send(2)` after the thread blocked in it was woken, with
    /// the bytes not yet written. Differs from [`Description::write`] only for pipes (no merge
    /// into the last slot) and sockets (a pending reset wins over `EPIPE`); if it fails after
    /// the blocked call made progress, the shim returns the progress instead (Linux: `return
    /// written ?: err`).
    pub fn resume_write(&mut self, data: &[u8], released: &VClock) -> Result<usize, IoError> {
        match self {
            Description::Pipe(p) => p.resume_write(data, released),
            Description::Socket(s) => s.resume_write(data, released),
            Description::Stdio(_) | Description::EventFd(_) | Description::Host(_) | Description::File(_) => self.write(data, released),
        }
    }

    /// `send(2)` (its `MSG_DONTWAIT`/`MSG_NOSIGNAL` flags are the shim's business):
    /// [`IoError::NotSocket`] on anything but a socket (probe `socketpair.c`: "send on pipe:
    /// ENOTSOCK").
    pub fn send(&mut self, data: &[u8], released: &VClock) -> Result<usize, IoError> {
        match self {
            Description::Socket(s) => s.write(data, released),
            _ => Err(IoError::NotSocket),
        }
    }

    /// `recv(2)`, with `peek` = `MSG_PEEK`: [`IoError::NotSocket`] on anything but a socket
    /// (probe: "recv on pipe: ENOTSOCK").
    pub fn recv(&mut self, buf: &mut [u8], peek: bool, acquired: &mut VClock) -> Result<usize, IoError> {
        match self {
            Description::Socket(s) => s.recv(buf, peek, acquired),
            _ => Err(IoError::NotSocket),
        }
    }

    /// `shutdown(2)`: [`IoError::NotSocket`] on anything but a socket (probe: "shutdown on
    /// pipe: ENOTSOCK"). An invalid `how` is `EINVAL` in the shim (probe: "shutdown(s0, 3)
    /// invalid how: EINVAL").
    pub fn shutdown(&mut self, how: Shutdown) -> Result<(), IoError> {
        match self {
            Description::Socket(s) => {
                s.shutdown(how);
                Ok(())
            }
            _ => Err(IoError::NotSocket),
        }
    }

    /// Host bytes of the data it buffers (pipes and sockets), for the fd-buffer limit.
    pub fn buffer_footprint(&self) -> usize {
        match self {
            Description::Pipe(p) => p.buffer_footprint(),
            Description::Socket(s) => s.buffer_footprint(),
            _ => 0,
        }
    }

    /// The readiness Linux's poll method reports for this description now.
    pub fn readiness(&self) -> Readiness {
        match self {
            Description::Stdio(s) => s.readiness(),
            Description::EventFd(e) => e.readiness(),
            Description::Pipe(p) => p.readiness(),
            Description::Socket(s) => s.readiness(),
            Description::Host(_) => Readiness::NONE,
            // Linux's DEFAULT_POLLMASK for files without a poll method, as for the streams.
            Description::File(_) => Readiness { readable: true, writable: true, ..Readiness::NONE },
        }
    }

    /// The other end of a pipe or socket pair, while that description exists. Any operation on
    /// a description may change the readiness of the description itself *and* of its peer.
    pub fn peer(&self) -> Option<FdId> {
        match self {
            Description::Pipe(p) => p.peer(),
            Description::Socket(s) => s.peer(),
            Description::Stdio(_) | Description::EventFd(_) | Description::Host(_) | Description::File(_) => None,
        }
    }

    /// The eventfd, if this is one.
    pub fn as_eventfd(&self) -> Option<&EventFd> {
        match self {
            Description::EventFd(e) => Some(e),
            _ => None,
        }
    }

    /// The pipe end, if this is one.
    pub fn as_pipe(&self) -> Option<&PipeEnd> {
        match self {
            Description::Pipe(p) => Some(p),
            _ => None,
        }
    }

    /// The socket end, if this is one.
    pub fn as_socket(&self) -> Option<&SocketEnd> {
        match self {
            Description::Socket(s) => Some(s),
            _ => None,
        }
    }

    /// The standard stream, if this is one (e.g. to take its output).
    pub fn as_stdio_mut(&mut self) -> Option<&mut Stdio> {
        match self {
            Description::Stdio(s) => Some(s),
            _ => None,
        }
    }

    /// The last reference is gone: tell the peer.
    pub(crate) fn on_destroy(&mut self) {
        match self {
            Description::Pipe(p) => p.on_destroy(),
            Description::Socket(s) => s.on_destroy(),
            Description::Stdio(_) | Description::EventFd(_) | Description::Host(_) | Description::File(_) => {}
        }
    }
}
