//! Readiness: what `poll(2)`/`epoll(7)` would report for a description right now.
//!
//! Each description computes its [`Readiness`] from its own state (see
//! [`crate::Description::readiness`]); nothing is cached, so it can never drift from the state.
//! The bits correspond to epoll events as follows (the shim owns the numeric values):
//!
//! | field       | epoll / poll bit      |
//! |-------------|-----------------------|
//! | `readable`  | `EPOLLIN` / `POLLIN`  |
//! | `writable`  | `EPOLLOUT` / `POLLOUT`|
//! | `read_hup`  | `EPOLLRDHUP`          |
//! | `hup`       | `EPOLLHUP`            |
//! | `error`     | `EPOLLERR`            |
//! | `priority`  | `EPOLLPRI`            |
//!
//! `hup` and `error` are reported by Linux whether or not they were asked for; the others only
//! when requested. Man pages: <https://man7.org/linux/man-pages/man2/poll.2.html>,
//! <https://man7.org/linux/man-pages/man7/epoll.7.html>.

use std::fmt;

/// The readiness of one file description, as Linux's `poll` method for it reports it.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Readiness {
    /// `EPOLLIN`: a read would not block (data, EOF, or a pending error to report).
    pub readable: bool,
    /// `EPOLLOUT`: Linux considers the description writable (for sockets this is a threshold,
    /// not "a write would succeed"; see [`crate::socket`]).
    pub writable: bool,
    /// `EPOLLRDHUP`: a stream socket's reading side is shut down (peer `SHUT_WR`, own `SHUT_RD`,
    /// or peer closed). Pipes never report it.
    pub read_hup: bool,
    /// `EPOLLHUP`: hang-up (pipe read end with no writer; socket shut down in both directions).
    pub hup: bool,
    /// `EPOLLERR`: an error condition (pipe write end with no reader; socket with a pending
    /// `ECONNRESET`).
    pub error: bool,
    /// `EPOLLPRI`: urgent data. No modelled description reports it (Spindle has no `MSG_OOB`).
    pub priority: bool,
}

impl Readiness {
    /// Nothing ready.
    pub const NONE: Readiness = Readiness { readable: false, writable: false, read_hup: false, hup: false, error: false, priority: false };

    /// Whether no bit is set.
    pub fn is_empty(self) -> bool {
        self == Self::NONE
    }

    /// The bits set in either.
    pub fn union(self, other: Readiness) -> Readiness {
        Readiness {
            readable: self.readable | other.readable,
            writable: self.writable | other.writable,
            read_hup: self.read_hup | other.read_hup,
            hup: self.hup | other.hup,
            error: self.error | other.error,
            priority: self.priority | other.priority,
        }
    }

    /// The bits set in both (e.g. the current readiness masked by an interest).
    pub fn intersection(self, other: Readiness) -> Readiness {
        Readiness {
            readable: self.readable & other.readable,
            writable: self.writable & other.writable,
            read_hup: self.read_hup & other.read_hup,
            hup: self.hup & other.hup,
            error: self.error & other.error,
            priority: self.priority & other.priority,
        }
    }

    /// Whether every bit of `other` is set in `self`.
    pub fn contains(self, other: Readiness) -> bool {
        self.intersection(other) == other
    }
}

/// Renders as the probes print readiness: `IN|OUT|RDHUP|HUP|ERR|PRI` in that order, or `none`.
impl fmt::Display for Readiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (self.readable, "IN"),
            (self.writable, "OUT"),
            (self.read_hup, "RDHUP"),
            (self.hup, "HUP"),
            (self.error, "ERR"),
            (self.priority, "PRI"),
        ];
        let mut first = true;
        for (set, name) in names {
            if set {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Readiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Readiness({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lists_bits_in_probe_order_or_none() {
        assert_eq!(Readiness::NONE.to_string(), "none");
        let r = Readiness { readable: true, hup: true, error: true, ..Readiness::NONE };
        assert_eq!(r.to_string(), "IN|HUP|ERR");
        let all = Readiness { readable: true, writable: true, read_hup: true, hup: true, error: true, priority: true };
        assert_eq!(all.to_string(), "IN|OUT|RDHUP|HUP|ERR|PRI");
    }

    #[test]
    fn union_intersection_and_contains() {
        let a = Readiness { readable: true, writable: true, ..Readiness::NONE };
        let b = Readiness { writable: true, hup: true, ..Readiness::NONE };
        assert_eq!(a.union(b).to_string(), "IN|OUT|HUP");
        assert_eq!(a.intersection(b).to_string(), "OUT");
        assert!(a.union(b).contains(b));
        assert!(!a.contains(b));
        assert!(a.intersection(Readiness::NONE).is_empty());
    }
}
