//! Epoll event bits as Linux stores them (`uint32_t events` of `struct epoll_event`), what each
//! kind of file reports for a [`Readiness`], and the keys Linux's wakeups carry.
//!
//! The core keeps Linux's own representation: an interest's mask is the guest's `events` word
//! with `EPOLLERR | EPOLLHUP` added, the reported mask is `poll(file) & events`, and a wakeup's
//! key is compared with `events` bit for bit. So bits Spindle's [`Readiness`] has no field for
//! (`EPOLLRDNORM`, `EPOLLWRNORM`, `EPOLLWRBAND`) are still reported exactly when Linux would
//! report them — see [`Events::from_readiness`].

use spindle_fds::Readiness;
use std::fmt;
use std::ops::{BitAnd, BitOr, Not};

/// A set of epoll event bits (Linux's values, x86-64).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Events(pub u32);

impl Events {
    pub const NONE: Events = Events(0);
    pub const IN: Events = Events(0x001);
    pub const PRI: Events = Events(0x002);
    pub const OUT: Events = Events(0x004);
    pub const ERR: Events = Events(0x008);
    pub const HUP: Events = Events(0x010);
    pub const RDNORM: Events = Events(0x040);
    pub const RDBAND: Events = Events(0x080);
    pub const WRNORM: Events = Events(0x100);
    pub const WRBAND: Events = Events(0x200);
    pub const MSG: Events = Events(0x400);
    pub const RDHUP: Events = Events(0x2000);
    pub const EXCLUSIVE: Events = Events(1 << 28);
    pub const WAKEUP: Events = Events(1 << 29);
    pub const ONESHOT: Events = Events(1 << 30);
    pub const ET: Events = Events(1 << 31);

    /// `EP_PRIVATE_BITS`: the flags that are not poll events. What is left of an interest's
    /// mask after an `EPOLLONESHOT` delivery (`events &= EP_PRIVATE_BITS`).
    pub const PRIVATE: Events = Events(Self::WAKEUP.0 | Self::ONESHOT.0 | Self::ET.0 | Self::EXCLUSIVE.0);

    /// `EPOLLEXCLUSIVE_OK_BITS`: the only bits `EPOLLEXCLUSIVE` may come with (probe
    /// `exclusive.c`: "ADD EXCLUSIVE|IN|OUT|ERR|HUP|WAKEUP|ET: 0", every other bit "EINVAL").
    pub const EXCLUSIVE_OK: Events =
        Events(Self::IN.0 | Self::OUT.0 | Self::ERR.0 | Self::HUP.0 | Self::WAKEUP.0 | Self::ET.0 | Self::EXCLUSIVE.0);

    /// Always reported, whether asked for or not: `epoll_ctl` adds them on ADD and MOD.
    pub const ALWAYS: Events = Events(Self::ERR.0 | Self::HUP.0);

    /// What an epoll instance reports when its ready list holds a ready entry
    /// (`ep_eventpoll_poll`; probe `ready_list.c`: "events 0x0fffffff, after a write into each:
    /// `[... epoll:IN|RDNORM]`").
    pub const EPOLL_READABLE: Events = Events(Self::IN.0 | Self::RDNORM.0);

    pub fn contains(self, other: Events) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn intersects(self, other: Events) -> bool {
        self.0 & other.0 != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// What `poll` on a file of kind `kind` reports for `r`, in epoll bits (probe
    /// `ready_list.c`, "events 0x0fffffff": every bit asked for on each kind):
    ///
    /// | kind | readable | writable | read_hup | hup | error | priority |
    /// |---|---|---|---|---|---|---|
    /// | eventfd, timerfd | `IN` | `OUT` | — | `HUP` | `ERR` | `PRI` |
    /// | pipe | `IN\|RDNORM` | `OUT\|WRNORM` | — | `HUP` | `ERR` | `PRI` |
    /// | socket | `IN\|RDNORM` | `OUT\|WRNORM\|WRBAND` | `RDHUP` | `HUP` | `ERR` | `PRI` |
    ///
    /// (`efd:IN|OUT`, `pipe_r:IN|HUP|RDNORM`, `pipe_w:OUT|WRNORM`,
    /// `sock:IN|OUT|HUP|RDNORM|WRNORM|WRBAND|RDHUP`.)
    pub fn from_readiness(r: Readiness, kind: PollKind) -> Events {
        let (rd, wr) = match kind {
            PollKind::EventFd => (Events::IN, Events::OUT),
            PollKind::Pipe => (Events::IN | Events::RDNORM, Events::OUT | Events::WRNORM),
            PollKind::Socket => (Events::IN | Events::RDNORM, Events::OUT | Events::WRNORM | Events::WRBAND),
        };
        let mut e = Events::NONE;
        let bits = [
            (r.readable, rd),
            (r.writable, wr),
            (r.read_hup, Events::RDHUP),
            (r.hup, Events::HUP),
            (r.error, Events::ERR),
            (r.priority, Events::PRI),
        ];
        for (set, b) in bits {
            if set {
                e = e | b;
            }
        }
        e
    }
}

/// Which `poll` method a description has, for [`Events::from_readiness`] and the wakeup keys.
/// (A timerfd polls like an eventfd: `EPOLLIN` only.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollKind {
    EventFd,
    Pipe,
    Socket,
}

/// The keys Linux's file operations wake epoll with (`wake_up_*_poll(wq, key)`); a wakeup only
/// reaches an interest whose mask shares a bit with the key (probe `edges.c`: "eventfd OUT only,
/// write 1 (wakeup key IN): `[]`", "socket OUT only, peer writes (wakeup key IN|PRI|RDNORM|RDBAND):
/// `[]`").
pub mod keys {
    use super::Events;
    /// `eventfd_write`, every successful write, 0 included: `wake_up_locked_poll(wqh, EPOLLIN)`.
    pub const EVENTFD_WRITE: Events = Events::IN;
    /// `eventfd_read`, every successful read: `wake_up_locked_poll(wqh, EPOLLOUT)`.
    pub const EVENTFD_READ: Events = Events::OUT;
    /// `pipe_write` to the read end: `EPOLLIN | EPOLLRDNORM`.
    pub const PIPE_WRITE: Events = Events(Events::IN.0 | Events::RDNORM.0);
    /// `pipe_read` to the write end when it freed a slot of a full pipe: `EPOLLOUT | EPOLLWRNORM`.
    pub const PIPE_READ: Events = Events(Events::OUT.0 | Events::WRNORM.0);
    /// `sock_def_readable` on the receiving end, once per queued skb:
    /// `EPOLLIN | EPOLLPRI | EPOLLRDNORM | EPOLLRDBAND`.
    pub const SOCKET_DATA: Events = Events(Events::IN.0 | Events::PRI.0 | Events::RDNORM.0 | Events::RDBAND.0);
    /// `unix_write_space` on the sending end, once per freed skb while it is writable:
    /// `EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND`.
    pub const SOCKET_SPACE: Events = Events(Events::OUT.0 | Events::WRNORM.0 | Events::WRBAND.0);
    /// A timerfd expiring: `wake_up_locked_poll(wqh, EPOLLIN)`.
    pub const TIMERFD: Events = Events::IN;
}

impl BitOr for Events {
    type Output = Events;
    fn bitor(self, o: Events) -> Events {
        Events(self.0 | o.0)
    }
}
impl BitAnd for Events {
    type Output = Events;
    fn bitand(self, o: Events) -> Events {
        Events(self.0 & o.0)
    }
}
impl Not for Events {
    type Output = Events;
    fn not(self) -> Events {
        Events(!self.0)
    }
}

/// As the probes print them: `IN|PRI|OUT|ERR|HUP|RDNORM|RDBAND|WRNORM|WRBAND|MSG|RDHUP` in that
/// order, then any other bits in hex (`|0x...`), or `0`.
impl fmt::Display for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(Events, &str); 11] = [
            (Events::IN, "IN"),
            (Events::PRI, "PRI"),
            (Events::OUT, "OUT"),
            (Events::ERR, "ERR"),
            (Events::HUP, "HUP"),
            (Events::RDNORM, "RDNORM"),
            (Events::RDBAND, "RDBAND"),
            (Events::WRNORM, "WRNORM"),
            (Events::WRBAND, "WRBAND"),
            (Events::MSG, "MSG"),
            (Events::RDHUP, "RDHUP"),
        ];
        let mut rest = self.0;
        let mut first = true;
        for (bit, name) in NAMES {
            if rest & bit.0 != 0 {
                f.write_str(if first { "" } else { "|" })?;
                f.write_str(name)?;
                rest &= !bit.0;
                first = false;
            }
        }
        if rest != 0 {
            write!(f, "{}{:#x}", if first { "" } else { "|" }, rest)?;
            first = false;
        }
        if first {
            f.write_str("0")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Events({self})")
    }
}

/// `struct epoll_event` as `epoll_ctl` reads it (the shim decodes the packed 12 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpollEvent {
    pub events: u32,
    pub data: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_the_probe_format() {
        assert_eq!(Events::NONE.to_string(), "0");
        assert_eq!((Events::IN | Events::OUT | Events::HUP | Events::RDHUP).to_string(), "IN|OUT|HUP|RDHUP");
        assert_eq!((Events::OUT | Events::ERR | Events(1 << 27)).to_string(), "OUT|ERR|0x8000000");
    }

    #[test]
    fn poll_masks_per_kind_match_probe_ready_list() {
        let rw = Readiness { readable: true, writable: true, ..Readiness::NONE };
        assert_eq!(Events::from_readiness(rw, PollKind::EventFd).to_string(), "IN|OUT");
        let hup = Readiness { readable: true, hup: true, ..Readiness::NONE };
        // probe ready_list.c: "pipe_r:IN|HUP|RDNORM"
        assert_eq!(Events::from_readiness(hup, PollKind::Pipe).to_string(), "IN|HUP|RDNORM");
        let w = Readiness { writable: true, ..Readiness::NONE };
        // probe ready_list.c: "pipe_w:OUT|WRNORM", "sock:OUT|WRNORM|WRBAND"
        assert_eq!(Events::from_readiness(w, PollKind::Pipe).to_string(), "OUT|WRNORM");
        assert_eq!(Events::from_readiness(w, PollKind::Socket).to_string(), "OUT|WRNORM|WRBAND");
        let closed = Readiness { readable: true, writable: true, read_hup: true, hup: true, ..Readiness::NONE };
        // probe ready_list.c: "sock:IN|OUT|HUP|RDNORM|WRNORM|WRBAND|RDHUP"
        assert_eq!(Events::from_readiness(closed, PollKind::Socket).to_string(), "IN|OUT|HUP|RDNORM|WRNORM|WRBAND|RDHUP");
    }
}
