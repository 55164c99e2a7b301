//! The errors the epoll calls can give, by name. The shim maps them to numbers
//! (`consts::errno`); the core knows no numbers.

use std::fmt;

/// An `errno` of `epoll_create`, `epoll_create1`, `epoll_ctl`, `epoll_wait`, `epoll_pwait` or
/// `epoll_pwait2`. Man pages: <https://man7.org/linux/man-pages/man2/epoll_ctl.2.html>,
/// <https://man7.org/linux/man-pages/man2/epoll_wait.2.html>,
/// <https://man7.org/linux/man-pages/man2/epoll_create.2.html>.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Errno {
    /// A file descriptor is not open.
    Ebadf,
    /// A pointer argument cannot be read or written.
    Efault,
    /// A bad argument: op, flags, maxevents, size, timespec, sigsetsize, `epfd` not an epoll,
    /// `epfd == fd`, `EPOLLEXCLUSIVE` misuse.
    Einval,
    /// `EPOLL_CTL_ADD` of a (description, fd number) already registered.
    Eexist,
    /// `EPOLL_CTL_MOD`/`EPOLL_CTL_DEL` of one that is not.
    Enoent,
    /// The ADD would make a loop of epoll instances or nest them deeper than Linux allows.
    Eloop,
    /// The target file cannot be polled (a regular file, a directory, `/dev/null`).
    Eperm,
}

impl Errno {
    /// The C name, as strace and the probes print it.
    pub fn name(self) -> &'static str {
        match self {
            Errno::Ebadf => "EBADF",
            Errno::Efault => "EFAULT",
            Errno::Einval => "EINVAL",
            Errno::Eexist => "EEXIST",
            Errno::Enoent => "ENOENT",
            Errno::Eloop => "ELOOP",
            Errno::Eperm => "EPERM",
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
