//! strace's `-e trace=…` for `--trace`: which calls a trace shows, by name (the strace name,
//! `eventfd2`, or the guest's, `eventfd`) or by strace's classes (`%desc`, `%network`, …).

use std::collections::BTreeSet;

/// strace's call classes (`man strace`, `-e trace=%CLASS`), for the system calls Spindle has
/// and those it is likely to get, as `strace` 6.1 sorts them (`strace -e trace=%desc` on
/// tests/strace/every_call.c). Calls that are not system calls are put where their system call
/// would be: `spawn` and `join` (clone, wait) in `%process`, `malloc` and `free` (brk, mmap) in
/// `%memory`. A call in no class (`sched_yield`, `clock_nanosleep`) is selected only by name.
pub const CLASSES: &[(&str, &[&str])] = &[
    (
        "%desc",
        &[
            "read",
            "write",
            "close",
            "dup",
            "dup2",
            "dup3",
            "fcntl",
            "eventfd2",
            "pipe2",
            "epoll_create",
            "epoll_create1",
            "epoll_ctl",
            "epoll_wait",
            "epoll_pwait",
            "epoll_pwait2",
            "timerfd_create",
            "timerfd_settime",
            "timerfd_gettime",
            "poll",
            "ppoll",
            "select",
            "pselect6",
            "signalfd4",
            "readv",
            "writev",
            "pread64",
            "pwrite64",
            "lseek",
            "openat",
            "open",
            "fstat",
            "newfstatat",
            "ioctl",
        ],
    ),
    ("%file", &["open", "openat", "stat", "newfstatat", "lstat", "unlink", "unlinkat", "rename", "mkdir", "access", "readlink"]),
    ("%process", &["exit_group", "exit", "spawn", "join", "clone", "clone3", "wait4", "kill", "tgkill", "tkill", "execve"]),
    (
        "%signal",
        &[
            "rt_sigaction",
            "rt_sigprocmask",
            "rt_sigtimedwait",
            "rt_sigsuspend",
            "rt_sigpending",
            "rt_sigreturn",
            "sigaltstack",
            "kill",
            "tgkill",
            "tkill",
            "signalfd4",
            "pause",
        ],
    ),
    ("%memory", &["malloc", "free", "brk", "mmap", "munmap", "mprotect", "mremap"]),
    ("%network", &["socketpair", "sendto", "recvfrom", "shutdown", "socket", "bind", "listen", "accept4", "connect"]),
    ("%net", &["socketpair", "sendto", "recvfrom", "shutdown", "socket", "bind", "listen", "accept4", "connect"]),
    ("%clock", &["clock_gettime", "clock_settime", "clock_getres", "clock_adjtime"]),
    ("%ipc", &["futex_waitv"]),
];

/// Which calls a trace shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallFilter {
    names: BTreeSet<String>,
    /// `trace=!…`: every call except those.
    negated: bool,
}

impl CallFilter {
    /// Parses strace's qualifying expression: `trace=NAME,%CLASS,…`, `trace=!…`, `trace=all`,
    /// `trace=none`, or the list alone. `known` names the calls a name may be (strace names
    /// and guest names); an unknown name or class is an error that says which.
    pub fn parse(expr: &str, known: &dyn Fn(&str) -> Option<&'static str>) -> Result<CallFilter, String> {
        let list = match expr.split_once('=') {
            Some(("trace" | "t", list)) => list,
            Some((what, _)) => return Err(format!("`-e {what}=…` is not supported: only `trace=` (which calls to show)")),
            None => expr,
        };
        let (negated, list) = match list.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, list),
        };
        let mut names = BTreeSet::new();
        let mut all = false;
        for item in list.split(',').map(str::trim) {
            match item {
                "all" => all = true,
                "none" => {}
                "" => return Err("an empty name in the call list".to_string()),
                class if class.starts_with('%') => match CLASSES.iter().find(|(c, _)| *c == class) {
                    Some((_, calls)) => names.extend(calls.iter().map(|c| c.to_string())),
                    None => {
                        let classes: Vec<&str> = CLASSES.iter().map(|(c, _)| *c).collect();
                        return Err(format!("unknown call class `{class}` (known: {})", classes.join(", ")));
                    }
                },
                name => match known(name) {
                    Some(strace_name) => {
                        names.insert(strace_name.to_string());
                    }
                    None => return Err(format!("unknown call `{name}` in the call list")),
                },
            }
        }
        // `all` selects everything; `!all` nothing.
        if all {
            return Ok(CallFilter { names: BTreeSet::new(), negated: !negated });
        }
        Ok(CallFilter { names, negated })
    }

    /// [`CallFilter::parse`] against the built-in calls (their strace names and the guest's).
    pub fn parse_builtin(expr: &str) -> Result<CallFilter, String> {
        CallFilter::parse(expr, &builtin)
    }

    /// Whether a call, by the name the trace shows, is selected.
    pub fn selects(&self, strace_name: &str) -> bool {
        self.names.contains(strace_name) != self.negated
    }
}

/// The strace name of the built-in call `name` (a strace name or a guest name), or
/// `rt_sigreturn`, which no guest calls but the trace shows when a handler returns.
fn builtin(name: &str) -> Option<&'static str> {
    if name == "rt_sigreturn" {
        return Some("rt_sigreturn");
    }
    crate::table::SHIMS.iter().find(|d| d.name == name || d.sig.name == name).map(|d| d.sig.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(name: &str) -> Option<&'static str> {
        builtin(name)
    }

    #[test]
    fn names_classes_and_negation_select_as_strace_does() {
        let f = CallFilter::parse("trace=epoll_wait,read", &known).unwrap();
        assert!(f.selects("read") && f.selects("epoll_wait") && !f.selects("write"));
        let f = CallFilter::parse("eventfd", &known).unwrap();
        assert!(f.selects("eventfd2"), "a guest name selects its strace name");
        let f = CallFilter::parse("trace=%network", &known).unwrap();
        assert!(f.selects("sendto") && f.selects("socketpair") && !f.selects("read"));
        let f = CallFilter::parse("trace=!%desc", &known).unwrap();
        assert!(!f.selects("read") && f.selects("sendto") && f.selects("sched_yield"));
        assert!(CallFilter::parse("trace=all", &known).unwrap().selects("read"));
        assert!(!CallFilter::parse("trace=none", &known).unwrap().selects("read"));
        assert!(CallFilter::parse("trace=reed", &known).unwrap_err().contains("`reed`"));
        assert!(CallFilter::parse("trace=%bogus", &known).unwrap_err().contains("%desc"));
        assert!(CallFilter::parse("signal=none", &known).is_err());
    }
}
