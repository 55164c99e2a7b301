//! How each argument of a call is shown, as strace shows it: one description per argument in the
//! call table, one function here that renders it.

use crate::abi::{EpollEvent, FdPair, Itimerspec, Layout, Stat, Timespec};
use crate::consts::errno_name;
use spindle_vm::memory::Memory;

/// An argument's display kind. Lengths refer to other arguments by index.
#[derive(Clone, Copy, Debug)]
pub enum Arg {
    /// A signed decimal (`int`, `long`).
    Int,
    /// An unsigned decimal (`size_t`, `unsigned int`).
    UInt,
    /// An unsigned hexadecimal.
    Hex,
    /// An address: `NULL` or `0x…`.
    Ptr,
    /// An address the call may write through (`nanosleep`'s `rem`): shown after the call.
    PtrOut,
    /// A buffer the call reads, of the length in argument `n`: a quoted string.
    InStr(usize),
    /// A buffer the call fills: shown after the call with as many bytes as it returned (its
    /// address if the call failed).
    OutStr,
    /// Bit flags, named as strace orders them; `zero` is shown for 0.
    Flags(&'static [(u64, &'static str)], &'static str),
    /// One of a set of values (an operation, a command, a clock).
    Enum(&'static [(i64, &'static str)]),
    /// Socket type: a base type and flags (`SOCK_STREAM|SOCK_NONBLOCK`).
    SockType,
    /// Two `int`s the call writes (`pipe2`'s and `socketpair`'s fds): `[3, 4]`.
    IntPairOut,
    /// A `struct timespec` the call reads.
    TimespecIn,
    /// A number of microseconds, shown as the `struct timespec` glibc's `usleep` passes.
    UsecTimespec,
    /// A `struct timespec` the call writes.
    TimespecOut,
    /// A `struct itimerspec` the call reads.
    ItimerspecIn,
    /// A `struct itimerspec` the call writes.
    ItimerspecOut,
    /// A `struct epoll_event` the call reads (NULL allowed).
    EpollEventIn,
    /// An array of `struct epoll_event` the call fills: as many as it returned.
    EpollEventsOut,
    /// A function value (`spawn`): its name.
    Func,
    /// Not a guest argument: text strace shows for a parameter the libc wrapper fills in
    /// (`sendto`'s `NULL, 0`).
    Lit(&'static str),
    /// An `fcntl` argument whose kind depends on the command (argument 1).
    FcntlArg,
    /// A NUL-terminated path the call reads: a quoted string.
    Path,
    /// A directory fd of an `*at` call: `AT_FDCWD` or the number.
    AtFd,
    /// `open`'s flags: `O_RDWR|O_CREAT`.
    OpenFlags,
    /// A number in octal (a file mode): `0644`.
    Octal,
    /// `open`'s mode, shown (in octal) only when the flags in argument `n` create a file.
    CreateMode(usize),
    /// A `struct stat` the call writes: `{st_mode=S_IFREG|0644, st_size=11, ...}`.
    StatOut,
    /// A pointer to an `int` the call reads or writes (`getsockopt`'s value and length,
    /// `ioctl(FIONREAD)`'s count): the `int`, in brackets, as it is after the call.
    IntRef,
}

impl Arg {
    /// Whether showing the argument reads guest memory that the call only reads: a call that
    /// blocks has it decoded at once, before other threads can change that memory.
    pub fn reads_input_memory(self) -> bool {
        matches!(self, Arg::InStr(_) | Arg::TimespecIn | Arg::ItimerspecIn | Arg::EpollEventIn | Arg::Path)
    }
}

/// How a result is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetKind {
    Int,
    Ptr,
    /// `fcntl(F_GETFL)`'s `0x800 (flags O_RDONLY|O_NONBLOCK)` and friends.
    Fcntl,
    /// Does not return.
    None,
}

/// strace shows at most this many bytes of a string (its default `-s 32`).
pub const STRING_LIMIT: usize = 32;

pub const O_FLAGS: &[(u64, &str)] = &[
    (0o1, "O_WRONLY"),
    (0o2, "O_RDWR"),
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o10000, "O_DSYNC"),
    (0o20000, "O_ASYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o200000, "O_DIRECTORY"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
];
pub const EFD_FLAGS: &[(u64, &str)] = &[(0o2000000, "EFD_CLOEXEC"), (0o4000, "EFD_NONBLOCK"), (1, "EFD_SEMAPHORE")];
pub const MSG_FLAGS: &[(u64, &str)] = &[
    (0x1, "MSG_OOB"),
    (0x2, "MSG_PEEK"),
    (0x4, "MSG_DONTROUTE"),
    (0x8, "MSG_CTRUNC"),
    (0x20, "MSG_TRUNC"),
    (0x40, "MSG_DONTWAIT"),
    (0x80, "MSG_EOR"),
    (0x100, "MSG_WAITALL"),
    (0x4000, "MSG_NOSIGNAL"),
    (0x8000, "MSG_MORE"),
    (0x40000000, "MSG_CMSG_CLOEXEC"),
];
pub const EPOLL_EVENTS: &[(u64, &str)] = &[
    (0x1, "EPOLLIN"),
    (0x2, "EPOLLPRI"),
    (0x4, "EPOLLOUT"),
    (0x8, "EPOLLERR"),
    (0x10, "EPOLLHUP"),
    (0x20, "EPOLLNVAL"),
    (0x40, "EPOLLRDNORM"),
    (0x80, "EPOLLRDBAND"),
    (0x100, "EPOLLWRNORM"),
    (0x200, "EPOLLWRBAND"),
    (0x400, "EPOLLMSG"),
    (0x2000, "EPOLLRDHUP"),
    (1 << 28, "EPOLLEXCLUSIVE"),
    (1 << 29, "EPOLLWAKEUP"),
    (1 << 30, "EPOLLONESHOT"),
    (1 << 31, "EPOLLET"),
];
pub const EPOLL_CREATE_FLAGS: &[(u64, &str)] = &[(0o2000000, "EPOLL_CLOEXEC")];
pub const DUP3_FLAGS: &[(u64, &str)] = &[(0o2000000, "O_CLOEXEC")];
pub const FD_FLAGS: &[(u64, &str)] = &[(1, "FD_CLOEXEC")];
pub const EPOLL_OPS: &[(i64, &str)] = &[(1, "EPOLL_CTL_ADD"), (2, "EPOLL_CTL_DEL"), (3, "EPOLL_CTL_MOD")];
pub const SHUT_HOW: &[(i64, &str)] = &[(0, "SHUT_RD"), (1, "SHUT_WR"), (2, "SHUT_RDWR")];
pub const CLOCKS: &[(i64, &str)] = &[
    (0, "CLOCK_REALTIME"),
    (1, "CLOCK_MONOTONIC"),
    (2, "CLOCK_PROCESS_CPUTIME_ID"),
    (3, "CLOCK_THREAD_CPUTIME_ID"),
    (4, "CLOCK_MONOTONIC_RAW"),
    (7, "CLOCK_BOOTTIME"),
];
pub const DOMAINS: &[(i64, &str)] = &[(0, "AF_UNSPEC"), (1, "AF_UNIX"), (2, "AF_INET"), (10, "AF_INET6")];
/// `lseek`'s `whence`.
pub const WHENCES: &[(i64, &str)] = &[(0, "SEEK_SET"), (1, "SEEK_CUR"), (2, "SEEK_END"), (3, "SEEK_DATA"), (4, "SEEK_HOLE")];

/// The `ioctl` requests Spindle serves.
pub const IOCTL_REQS: &[(i64, &str)] = &[(0x541b, "FIONREAD"), (0x5421, "FIONBIO")];

/// Socket option levels.
pub const SOCK_LEVELS: &[(i64, &str)] = &[(1, "SOL_SOCKET")];

/// `SOL_SOCKET` options.
pub const SOCK_OPTS: &[(i64, &str)] = &[(3, "SO_TYPE"), (4, "SO_ERROR"), (7, "SO_SNDBUF"), (8, "SO_RCVBUF")];

pub const FCNTL_CMDS: &[(i64, &str)] = &[
    (0, "F_DUPFD"),
    (1, "F_GETFD"),
    (2, "F_SETFD"),
    (3, "F_GETFL"),
    (4, "F_SETFL"),
    (1030, "F_DUPFD_CLOEXEC"),
    (1031, "F_SETPIPE_SZ"),
    (1032, "F_GETPIPE_SZ"),
];
pub const TFD_FLAGS: &[(u64, &str)] = &[(0o2000000, "TFD_CLOEXEC"), (0o4000, "TFD_NONBLOCK")];
pub const TFD_TIMER_FLAGS: &[(u64, &str)] = &[(1, "TFD_TIMER_ABSTIME"), (2, "TFD_TIMER_CANCEL_ON_SET")];

/// `A|B|0x40` — flags in table order, leftover bits in hex.
pub fn flags(v: u64, table: &[(u64, &str)], zero: &str) -> String {
    if v == 0 {
        return zero.to_string();
    }
    let mut parts = Vec::new();
    let mut rest = v;
    for &(bit, name) in table {
        if bit != 0 && v & bit == bit && rest & bit != 0 {
            parts.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    parts.join("|")
}

/// The name of an enumerated value, or the number.
pub fn enumerated(v: i64, table: &[(i64, &str)]) -> String {
    table.iter().find(|(x, _)| *x == v).map_or_else(|| v.to_string(), |(_, n)| n.to_string())
}

/// `O_RDONLY|O_NONBLOCK`: an access mode always named, then the flags.
pub fn open_flags(v: u64) -> String {
    let access = match v & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    };
    let rest = flags(v & !3, O_FLAGS, "");
    if rest.is_empty() {
        access.to_string()
    } else {
        format!("{access}|{rest}")
    }
}

/// An address as strace shows it.
pub fn ptr(v: u64) -> String {
    if v == 0 {
        "NULL".to_string()
    } else {
        format!("{v:#x}")
    }
}

/// A quoted, escaped string of at most [`STRING_LIMIT`] bytes of `bytes`, with `...` when cut.
pub fn quoted(bytes: &[u8]) -> String {
    let mut s = String::new();
    quoted_into(&mut s, bytes);
    s
}

/// [`quoted`], appended to `s`.
pub fn quoted_into(s: &mut String, bytes: &[u8]) {
    // Escaped from a table into a stack buffer, appended at once: this runs for every traced
    // buffer, and pushing char by char cost more than the table.
    let shown = &bytes[..bytes.len().min(STRING_LIMIT)];
    let mut buf = [0u8; 4 * STRING_LIMIT + 2];
    buf[0] = b'"';
    let mut n = 1;
    for (i, &b) in shown.iter().enumerate() {
        let (len, text) = ESCAPES[b as usize];
        // strace uses the shortest octal escape unless an octal digit follows.
        let (len, text) = if len > 1 && len < 4 && text[1].is_ascii_digit() && shown.get(i + 1).is_some_and(|c| (b'0'..=b'7').contains(c)) {
            (4, octal(b))
        } else {
            (len, text)
        };
        buf[n..n + 4].copy_from_slice(&text);
        n += len as usize;
    }
    buf[n] = b'"';
    n += 1;
    // Only ASCII was written.
    s.push_str(std::str::from_utf8(&buf[..n]).unwrap_or("?"));
    if bytes.len() > STRING_LIMIT {
        s.push_str("...");
    }
}

/// `\ooo`.
const fn octal(b: u8) -> [u8; 4] {
    [b'\\', b'0' + (b >> 6), b'0' + ((b >> 3) & 7), b'0' + (b & 7)]
}

/// How strace shows each byte when no octal digit follows: itself, a C escape, or the shortest
/// octal escape.
static ESCAPES: [(u8, [u8; 4]); 256] = {
    let mut t = [(0u8, [0u8; 4]); 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = match b {
            b'"' | b'\\' => (2, [b'\\', b, 0, 0]),
            b'\n' => (2, [b'\\', b'n', 0, 0]),
            b'\t' => (2, [b'\\', b't', 0, 0]),
            b'\r' => (2, [b'\\', b'r', 0, 0]),
            0x0c => (2, [b'\\', b'f', 0, 0]),
            0x0b => (2, [b'\\', b'v', 0, 0]),
            0x20..=0x7e => (1, [b, 0, 0, 0]),
            _ if b < 8 => (2, [b'\\', b'0' + b, 0, 0]),
            _ if b < 64 => (3, [b'\\', b'0' + (b >> 3), b'0' + (b & 7), 0]),
            _ => (4, octal(b)),
        };
        i += 1;
    }
    t
};

/// Appends a signed decimal without going through `fmt` (this runs for most arguments).
pub fn push_int(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    push_uint(out, v.unsigned_abs());
}

/// Appends an unsigned decimal.
pub fn push_uint(out: &mut String, mut n: u64) {
    if n < 10 {
        out.push((b'0' + n as u8) as char);
        return;
    }
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[k..]).unwrap_or("?"));
}

/// A guest buffer: its bytes quoted, or its address if it cannot be read.
pub fn buffer(mem: &Memory, addr: u64, len: u64) -> String {
    if len == 0 && addr != 0 {
        return "\"\"".to_string();
    }
    let shown = len.min(STRING_LIMIT as u64 + 1);
    match mem.read_bytes(addr, shown) {
        Ok(b) if len <= STRING_LIMIT as u64 => quoted(&b),
        Ok(b) => {
            let mut q = quoted(&b[..STRING_LIMIT]);
            q.push_str("...");
            q
        }
        Err(_) => ptr(addr),
    }
}

/// `{tv_sec=0, tv_nsec=1000}`.
pub fn show_timespec(t: Timespec) -> String {
    format!("{{tv_sec={}, tv_nsec={}}}", t.sec, t.nsec)
}

/// `{it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=1, tv_nsec=0}}`.
pub fn show_itimerspec(t: Itimerspec) -> String {
    format!("{{it_interval={}, it_value={}}}", show_timespec(t.interval), show_timespec(t.value))
}

/// `{events=EPOLLIN|EPOLLET, data={u32=42, u64=42}}`.
pub fn show_epoll_event(e: EpollEvent) -> String {
    format!("{{events={}, data={{u32={}, u64={}}}}}", flags(e.events as u64, EPOLL_EVENTS, "0"), e.data as u32, e.data)
}

/// `[3, 4]`.
pub fn show_fd_pair(p: FdPair) -> String {
    format!("[{}, {}]", p.first, p.second)
}

/// A `struct timespec` in guest memory, or the address.
pub fn timespec(mem: &Memory, addr: u64) -> String {
    Timespec::peek(mem, addr).map_or_else(|| ptr(addr), show_timespec)
}

/// A `struct itimerspec` in guest memory, or the address.
pub fn itimerspec(mem: &Memory, addr: u64) -> String {
    match Itimerspec::peek(mem, addr) {
        Some(t) if addr != 0 => show_itimerspec(t),
        _ => ptr(addr),
    }
}

/// A `struct epoll_event` in guest memory.
pub fn epoll_event_at(mem: &Memory, addr: u64) -> Option<String> {
    EpollEvent::peek(mem, addr).map(show_epoll_event)
}

/// Appends an argument's text to `out` (the common kinds without allocating).
pub fn render_arg_into(
    out: &mut String,
    kind: Arg,
    i: usize,
    args: &[u64],
    ret: Option<i64>,
    mem: &Memory,
    fn_name: &dyn Fn(u64) -> Option<String>,
) {
    let v = args.get(i).copied().unwrap_or(0);
    match kind {
        Arg::Int => push_int(out, v as i64),
        Arg::UInt => push_uint(out, v),
        Arg::Lit(s) => out.push_str(s),
        Arg::InStr(n) => buffer_into(out, mem, v, args.get(n).copied().unwrap_or(0)),
        Arg::OutStr => match ret {
            Some(r) if r >= 0 => buffer_into(out, mem, v, r as u64),
            _ => out.push_str(&ptr(v)),
        },
        Arg::Enum(table) => match table.iter().find(|(x, _)| *x == v as i32 as i64) {
            Some((_, name)) => out.push_str(name),
            None => push_int(out, v as i32 as i64),
        },
        _ => out.push_str(&render_arg(kind, i, args, ret, mem, fn_name)),
    }
}

/// [`buffer`], appended to `out`.
pub fn buffer_into(out: &mut String, mem: &Memory, addr: u64, len: u64) {
    if len == 0 && addr != 0 {
        out.push_str("\"\"");
        return;
    }
    let shown = len.min(STRING_LIMIT as u64);
    match mem.slice(addr, shown) {
        Ok(b) => {
            quoted_into(out, b);
            if len > STRING_LIMIT as u64 {
                out.push_str("...");
            }
        }
        Err(_) => out.push_str(&ptr(addr)),
    }
}

/// An argument's text. `args` are all the raw arguments; `ret` the result, when known.
pub fn render_arg(kind: Arg, i: usize, args: &[u64], ret: Option<i64>, mem: &Memory, fn_name: &dyn Fn(u64) -> Option<String>) -> String {
    let v = args.get(i).copied().unwrap_or(0);
    match kind {
        Arg::Int => (v as i64).to_string(),
        Arg::UInt => v.to_string(),
        Arg::Hex => format!("{v:#x}"),
        Arg::Ptr | Arg::PtrOut => ptr(v),
        Arg::InStr(n) => buffer(mem, v, args.get(n).copied().unwrap_or(0)),
        Arg::OutStr => match ret {
            Some(r) if r >= 0 => buffer(mem, v, r as u64),
            _ => ptr(v),
        },
        Arg::Flags(table, zero) => flags(v & 0xffff_ffff, table, zero),
        Arg::Enum(table) => enumerated(v as i32 as i64, table),
        Arg::SockType => {
            let base = match v & 0xf {
                1 => "SOCK_STREAM".to_string(),
                2 => "SOCK_DGRAM".to_string(),
                5 => "SOCK_SEQPACKET".to_string(),
                b => format!("{b:#x} /* SOCK_??? */"),
            };
            let f = flags(v & !0xf & 0xffff_ffff, &[(0o4000, "SOCK_NONBLOCK"), (0o2000000, "SOCK_CLOEXEC")], "");
            if f.is_empty() {
                base
            } else {
                format!("{base}|{f}")
            }
        }
        Arg::IntPairOut => match (ret, FdPair::peek(mem, v)) {
            (Some(0), Some(p)) => show_fd_pair(p),
            _ => ptr(v),
        },
        Arg::TimespecIn => timespec(mem, v),
        Arg::UsecTimespec => {
            let us = v as u32 as u64;
            format!("{{tv_sec={}, tv_nsec={}}}", us / 1_000_000, us % 1_000_000 * 1000)
        }
        Arg::TimespecOut => match ret {
            Some(0) => timespec(mem, v),
            _ => ptr(v),
        },
        Arg::ItimerspecIn => itimerspec(mem, v),
        Arg::ItimerspecOut => match ret {
            Some(0) => itimerspec(mem, v),
            _ => ptr(v),
        },
        Arg::EpollEventIn => {
            if v == 0 {
                "NULL".to_string()
            } else {
                epoll_event_at(mem, v).unwrap_or_else(|| ptr(v))
            }
        }
        Arg::EpollEventsOut => match ret {
            Some(n) if n >= 0 => {
                let evs: Vec<String> = (0..n as u64)
                    .map(|k| epoll_event_at(mem, v.wrapping_add(EpollEvent::SIZE * k)).unwrap_or_else(|| "...".into()))
                    .collect();
                format!("[{}]", evs.join(", "))
            }
            _ => ptr(v),
        },
        Arg::Func => fn_name(v).unwrap_or_else(|| format!("{v:#x}")),
        Arg::Lit(s) => s.to_string(),
        Arg::FcntlArg => match args.get(1).map(|c| *c as i32) {
            Some(2) => flags(v, FD_FLAGS, "0"),
            Some(4) => open_flags(v & 0xffff_ffff),
            Some(0) | Some(1030) | Some(1031) => (v as i32).to_string(),
            _ => String::new(),
        },
        Arg::Path => path(mem, v),
        Arg::AtFd => match v as i32 {
            -100 => "AT_FDCWD".to_string(),
            fd => fd.to_string(),
        },
        Arg::OpenFlags => open_flags(v & 0xffff_ffff),
        Arg::Octal => format!("0{:o}", v as u32),
        Arg::CreateMode(n) => match args.get(n) {
            // O_CREAT, or __O_TMPFILE.
            Some(f) if f & 0o20000100 != 0 => format!("0{:o}", v as u32),
            _ => String::new(),
        },
        Arg::StatOut => match ret {
            Some(0) => Stat::peek(mem, v).map_or_else(|| ptr(v), show_stat),
            _ => ptr(v),
        },
        Arg::IntRef => match i32::peek(mem, v) {
            Some(x) if v != 0 => format!("[{x}]"),
            _ => ptr(v),
        },
    }
}

/// A NUL-terminated string in guest memory, quoted (at most [`STRING_LIMIT`] bytes shown), or
/// the address.
pub fn path(mem: &Memory, addr: u64) -> String {
    let extent = mem.readable_extent(addr).min(4096);
    match mem.slice(addr, extent) {
        Ok(b) if addr != 0 => match b.iter().position(|&c| c == 0) {
            Some(n) => quoted(&b[..n]),
            None => ptr(addr),
        },
        _ => ptr(addr),
    }
}

/// A `struct stat` as strace shows it (its abbreviated form).
pub fn show_stat(st: Stat) -> String {
    const TYPES: &[(u32, &str)] = &[
        (0o140000, "S_IFSOCK"),
        (0o120000, "S_IFLNK"),
        (0o100000, "S_IFREG"),
        (0o60000, "S_IFBLK"),
        (0o40000, "S_IFDIR"),
        (0o20000, "S_IFCHR"),
        (0o10000, "S_IFIFO"),
    ];
    let perm = st.mode & 0o7777;
    let mode = match TYPES.iter().find(|(t, _)| st.mode & 0o170000 == *t) {
        Some((_, name)) => format!("{name}|0{perm:o}"),
        None => format!("0{perm:o}"),
    };
    let dev = |d: u64| format!("makedev({:#x}, {:#x})", (d >> 8) & 0xfff, (d & 0xff) | ((d >> 12) & 0xfff00));
    match st.mode & 0o170000 {
        0o20000 | 0o60000 => format!("{{st_mode={mode}, st_rdev={}, ...}}", dev(st.rdev)),
        _ => format!("{{st_mode={mode}, st_size={}, ...}}", st.size),
    }
}

/// `-1 EAGAIN (Resource temporarily unavailable)`.
pub fn error_text(errno: i64) -> String {
    match errno_name(errno) {
        Some(name) => format!("-1 {name} ({})", strerror(errno)),
        None => format!("-1 {errno}"),
    }
}

/// glibc's message for an errno value (from the generated table in `consts.rs`).
pub fn strerror(e: i64) -> &'static str {
    crate::consts::strerror(e).unwrap_or("Unknown error")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_and_cut_like_strace() {
        assert_eq!(quoted(b"\x01\0\0\0\0\0\0\0"), r#""\1\0\0\0\0\0\0\0""#);
        assert_eq!(quoted(b"hello\nworld\x01\x02 and a long long long long tail"), r#""hello\nworld\1\2 and a long long lo"..."#);
        assert_eq!(quoted(b"\x011"), r#""\0011""#);
        // As `strace -e trace=write` prints these bytes on this machine (strace 6.1).
        assert_eq!(quoted(b"\x08"), r#""\10""#);
        assert_eq!(quoted(b"\x081"), r#""\0101""#);
        assert_eq!(quoted(b"\x1f9"), r#""\379""#);
        assert_eq!(quoted(b"\x7fx"), r#""\177x""#);
        assert_eq!(quoted(b"\xff0"), r#""\3770""#);
        assert_eq!(quoted(b"\x1b["), r#""\33[""#);
        assert_eq!(quoted(b"\"\\\x0c\x0b\r"), r#""\"\\\f\v\r""#);
    }

    #[test]
    fn flags_and_enums_are_named_in_strace_order() {
        assert_eq!(flags(0x80000 | 0x800, EFD_FLAGS, "0"), "EFD_CLOEXEC|EFD_NONBLOCK");
        assert_eq!(flags(1 | (1 << 31), EPOLL_EVENTS, "0"), "EPOLLIN|EPOLLET");
        assert_eq!(flags(0x40 | 0x4000, MSG_FLAGS, "0"), "MSG_DONTWAIT|MSG_NOSIGNAL");
        assert_eq!(open_flags(0x800), "O_RDONLY|O_NONBLOCK");
        assert_eq!(enumerated(1, EPOLL_OPS), "EPOLL_CTL_ADD");
        assert_eq!(flags(0x1_0000_0000_u64 >> 4, EPOLL_EVENTS, "0"), "0x10000000".replace("0x10000000", "EPOLLEXCLUSIVE"));
    }

    #[test]
    fn errors_read_as_in_strace() {
        assert_eq!(error_text(11), "-1 EAGAIN (Resource temporarily unavailable)");
        assert_eq!(error_text(9), "-1 EBADF (Bad file descriptor)");
    }
}
