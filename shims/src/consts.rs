//! Linux x86-64 constants, by name: the one table that guest programs, argument decoding and
//! (later) the trace share.
//!
//! Generated from the C headers on this machine by `shims/probes/constants.c` (gcc, glibc,
//! x86-64); regenerate with `gcc shims/probes/constants.c -o /tmp/c && /tmp/c`.

pub const CONSTANTS: &[(&str, i64)] = &[
    ("EPERM", 1),
    ("ENOENT", 2),
    ("ESRCH", 3),
    ("EINTR", 4),
    ("EIO", 5),
    ("ENXIO", 6),
    ("E2BIG", 7),
    ("ENOEXEC", 8),
    ("EBADF", 9),
    ("ECHILD", 10),
    ("EAGAIN", 11),
    ("EWOULDBLOCK", 11),
    ("ENOMEM", 12),
    ("EACCES", 13),
    ("EFAULT", 14),
    ("EBUSY", 16),
    ("EEXIST", 17),
    ("EXDEV", 18),
    ("ENODEV", 19),
    ("ENOTDIR", 20),
    ("EISDIR", 21),
    ("EINVAL", 22),
    ("ENFILE", 23),
    ("EMFILE", 24),
    ("ENOTTY", 25),
    ("EFBIG", 27),
    ("ENOSPC", 28),
    ("ESPIPE", 29),
    ("EROFS", 30),
    ("EPIPE", 32),
    ("ERANGE", 34),
    ("EDEADLK", 35),
    ("ENAMETOOLONG", 36),
    ("ENOSYS", 38),
    ("ELOOP", 40),
    ("ENOTSOCK", 88),
    ("EDESTADDRREQ", 89),
    ("EMSGSIZE", 90),
    ("EPROTOTYPE", 91),
    ("ENOPROTOOPT", 92),
    ("EPROTONOSUPPORT", 93),
    ("ESOCKTNOSUPPORT", 94),
    ("EOPNOTSUPP", 95),
    ("ENOTSUP", 95),
    ("EAFNOSUPPORT", 97),
    ("EADDRINUSE", 98),
    ("ECONNRESET", 104),
    ("ENOBUFS", 105),
    ("EISCONN", 106),
    ("ENOTCONN", 107),
    ("ESHUTDOWN", 108),
    ("ETIMEDOUT", 110),
    ("ECONNREFUSED", 111),
    ("EALREADY", 114),
    ("EINPROGRESS", 115),
    ("ECANCELED", 125),
    ("EPOLLIN", 1),
    ("EPOLLPRI", 2),
    ("EPOLLOUT", 4),
    ("EPOLLERR", 8),
    ("EPOLLHUP", 16),
    ("EPOLLRDNORM", 64),
    ("EPOLLRDBAND", 128),
    ("EPOLLWRNORM", 256),
    ("EPOLLWRBAND", 512),
    ("EPOLLMSG", 1024),
    ("EPOLLRDHUP", 8192),
    ("EPOLLEXCLUSIVE", 268435456),
    ("EPOLLWAKEUP", 536870912),
    ("EPOLLONESHOT", 1073741824),
    ("EPOLLET", 2147483648),
    ("EPOLL_CLOEXEC", 524288),
    ("EPOLL_CTL_ADD", 1),
    ("EPOLL_CTL_DEL", 2),
    ("EPOLL_CTL_MOD", 3),
    ("EFD_SEMAPHORE", 1),
    ("EFD_CLOEXEC", 524288),
    ("EFD_NONBLOCK", 2048),
    ("O_RDONLY", 0),
    ("O_WRONLY", 1),
    ("O_RDWR", 2),
    ("O_ACCMODE", 3),
    ("O_CREAT", 64),
    ("O_EXCL", 128),
    ("O_NOCTTY", 256),
    ("O_TRUNC", 512),
    ("O_APPEND", 1024),
    ("O_NONBLOCK", 2048),
    ("O_NDELAY", 2048),
    ("O_DSYNC", 4096),
    ("O_ASYNC", 8192),
    ("O_DIRECT", 16384),
    ("O_LARGEFILE", 0),
    ("O_DIRECTORY", 65536),
    ("O_NOFOLLOW", 131072),
    ("O_NOATIME", 262144),
    ("O_CLOEXEC", 524288),
    ("O_SYNC", 1052672),
    ("O_PATH", 2097152),
    ("O_TMPFILE", 4259840),
    ("F_DUPFD", 0),
    ("F_GETFD", 1),
    ("F_SETFD", 2),
    ("F_GETFL", 3),
    ("F_SETFL", 4),
    ("F_GETLK", 5),
    ("F_SETLK", 6),
    ("F_SETLKW", 7),
    ("F_SETOWN", 8),
    ("F_GETOWN", 9),
    ("F_DUPFD_CLOEXEC", 1030),
    ("F_GETPIPE_SZ", 1032),
    ("F_SETPIPE_SZ", 1031),
    ("FD_CLOEXEC", 1),
    ("SOCK_STREAM", 1),
    ("SOCK_DGRAM", 2),
    ("SOCK_RAW", 3),
    ("SOCK_SEQPACKET", 5),
    ("SOCK_NONBLOCK", 2048),
    ("SOCK_CLOEXEC", 524288),
    ("AF_UNSPEC", 0),
    ("AF_UNIX", 1),
    ("AF_LOCAL", 1),
    ("AF_INET", 2),
    ("AF_INET6", 10),
    ("PF_UNIX", 1),
    ("PF_LOCAL", 1),
    ("MSG_OOB", 1),
    ("MSG_PEEK", 2),
    ("MSG_DONTROUTE", 4),
    ("MSG_TRUNC", 32),
    ("MSG_DONTWAIT", 64),
    ("MSG_EOR", 128),
    ("MSG_WAITALL", 256),
    ("MSG_NOSIGNAL", 16384),
    ("MSG_CMSG_CLOEXEC", 1073741824),
    ("SHUT_RD", 0),
    ("SHUT_WR", 1),
    ("SHUT_RDWR", 2),
    ("CLOCK_REALTIME", 0),
    ("CLOCK_MONOTONIC", 1),
    ("CLOCK_PROCESS_CPUTIME_ID", 2),
    ("CLOCK_THREAD_CPUTIME_ID", 3),
    ("CLOCK_MONOTONIC_RAW", 4),
    ("CLOCK_REALTIME_COARSE", 5),
    ("CLOCK_MONOTONIC_COARSE", 6),
    ("CLOCK_BOOTTIME", 7),
    ("TFD_CLOEXEC", 524288),
    ("TFD_NONBLOCK", 2048),
    ("TFD_TIMER_ABSTIME", 1),
    ("TFD_TIMER_CANCEL_ON_SET", 2),
    ("PIPE_BUF", 4096),
    ("STDIN_FILENO", 0),
    ("STDOUT_FILENO", 1),
    ("STDERR_FILENO", 2),
    ("SIGPIPE", 13),
    ("SIG_BLOCK", 0),
    ("SIG_UNBLOCK", 1),
    ("SIG_SETMASK", 2),
];

/// The value of a named constant.
pub fn lookup(name: &str) -> Option<i64> {
    CONSTANTS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

/// Every constant's name, in table order.
pub fn names() -> impl Iterator<Item = &'static str> {
    CONSTANTS.iter().map(|&(n, _)| n)
}

/// Errno values the shims return, by their Rust names.
pub mod errno {
    pub const EPERM: i64 = 1;
    pub const ENOENT: i64 = 2;
    pub const EINTR: i64 = 4;
    pub const EBADF: i64 = 9;
    pub const EAGAIN: i64 = 11;
    pub const ENOMEM: i64 = 12;
    pub const EFAULT: i64 = 14;
    pub const EEXIST: i64 = 17;
    pub const EINVAL: i64 = 22;
    pub const EMFILE: i64 = 24;
    pub const EPIPE: i64 = 32;
    pub const ENOSYS: i64 = 38;
    pub const ELOOP: i64 = 40;
}

/// The symbolic name of an errno value (`EAGAIN` for 11), preferring the first name listed.
pub fn errno_name(e: i64) -> Option<&'static str> {
    CONSTANTS
        .iter()
        .take_while(|(n, _)| n.starts_with('E') && !n.starts_with("EPOLL") && !n.starts_with("EFD"))
        .find(|&&(_, v)| v == e)
        .map(|&(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_to_the_x86_64_values() {
        assert_eq!(lookup("EPOLLET"), Some(1 << 31));
        assert_eq!(lookup("EAGAIN"), Some(11));
        assert_eq!(lookup("O_NONBLOCK"), Some(0o4000));
        assert_eq!(lookup("NOT_A_CONSTANT"), None);
        assert_eq!(errno_name(11), Some("EAGAIN"));
        assert_eq!(errno_name(errno::EFAULT), Some("EFAULT"));
    }

    #[test]
    fn the_errno_module_agrees_with_the_table() {
        for (name, v) in [
            ("EPERM", errno::EPERM),
            ("EBADF", errno::EBADF),
            ("EINVAL", errno::EINVAL),
            ("EPIPE", errno::EPIPE),
            ("ELOOP", errno::ELOOP),
            ("ENOMEM", errno::ENOMEM),
        ] {
            assert_eq!(lookup(name), Some(v), "{name}");
        }
    }
}
