//! A miniature shim for the tests: the real fd layer (`spindle_fds::FdTable`) plus the epoll
//! core, driven exactly as the module docs' integration table says, with the probes' vocabulary
//! (labels as data, waits printed as `[label:BITS, ...]`). Blocked threads are waiter ids; a
//! "timeout" cancels the wait and records `[]`, as the probe threads print.

use crate::epoll::*;
use crate::wake::{On, WakeUp, Wakeups};
use spindle_fds::{Description, DescriptionKind, FdId, FdNum, FdTable, IoError, Shutdown, VClock};
use std::collections::BTreeMap;

/// The probes' labels and formats.
#[derive(Default)]
pub struct Labels(Vec<String>);

impl Labels {
    pub fn id(&mut self, name: &str) -> u64 {
        match self.0.iter().position(|l| l == name) {
            Some(i) => i as u64,
            None => {
                self.0.push(name.to_string());
                (self.0.len() - 1) as u64
            }
        }
    }

    pub fn format(&self, events: &[Event]) -> String {
        let items: Vec<String> = events
            .iter()
            .map(|e| match self.0.get(e.data as usize) {
                Some(l) => format!("{l}:{}", e.events),
                None => format!("{}:{}", e.data, e.events),
            })
            .collect();
        format!("[{}]", items.join(", "))
    }

    pub fn result(&self, r: &Result<Vec<Event>, Errno>) -> String {
        match r {
            Ok(events) => self.format(events),
            Err(e) => e.name().to_string(),
        }
    }
}

/// Epoll fds live outside the fd table (which has no epoll description yet): numbers from 1000,
/// descriptions from `EPOLL_IDS`.
const EPOLL_FDS: FdNum = 1000;
const EPOLL_IDS: u64 = 1 << 40;

pub struct World {
    pub fds: FdTable,
    pub ep: Epolls,
    pub labels: Labels,
    epoll_fds: BTreeMap<FdNum, FdId>,
    /// References to each epoll description: fds plus blocked waits.
    epoll_refs: BTreeMap<FdId, usize>,
    next_epoll: u64,
    /// What each waiter got, once its wait is over.
    pub got: BTreeMap<WaiterId, String>,
    /// Waiters blocked, with their instance.
    blocked: BTreeMap<WaiterId, FdId>,
    /// Every delivery in order: (waiter, result).
    pub log: Vec<(WaiterId, String)>,
    next_waiter: u64,
}

impl World {
    pub fn new() -> Self {
        World {
            fds: FdTable::new(),
            ep: Epolls::new(),
            labels: Labels::default(),
            epoll_fds: BTreeMap::new(),
            epoll_refs: BTreeMap::new(),
            next_epoll: 0,
            got: BTreeMap::new(),
            blocked: BTreeMap::new(),
            log: vec![],
            next_waiter: 0,
        }
    }

    // ----- descriptions -----

    pub fn efd(&mut self, init: u32) -> FdNum {
        self.fds.eventfd(init, false, true, false).unwrap()
    }

    pub fn pipe(&mut self) -> [FdNum; 2] {
        self.fds.pipe(true, false).unwrap()
    }

    pub fn sock(&mut self) -> [FdNum; 2] {
        self.fds.socketpair(true, false).unwrap()
    }

    fn id(&self, fd: FdNum) -> FdId {
        self.fds.lookup(fd).unwrap()
    }

    fn kind_of(d: &Description) -> Option<PollKind> {
        match d.kind() {
            DescriptionKind::EventFd => Some(PollKind::EventFd),
            DescriptionKind::PipeRead | DescriptionKind::PipeWrite => Some(PollKind::Pipe),
            DescriptionKind::Socket => Some(PollKind::Socket),
            _ => None,
        }
    }

    /// `Events::from_readiness` of a live description; `None` if it cannot be polled.
    pub fn readiness(&self, id: FdId) -> Option<Events> {
        let d = self.fds.get(id)?;
        Self::kind_of(d).map(|k| Events::from_readiness(d.readiness(), k))
    }

    fn r(&self, id: FdId) -> Events {
        self.readiness(id).unwrap_or_default()
    }

    pub fn apply(&mut self, out: Outcome) {
        for d in out.deliveries {
            let s = self.labels.result(&d.result);
            self.log.push((d.waiter, s.clone()));
            self.got.insert(d.waiter, s);
            if let Some(ep) = self.blocked.remove(&d.waiter) {
                self.unref_epoll(ep);
            }
        }
    }

    fn wakeup(&mut self, id: FdId, wake: Wake) {
        let r = self.r(id);
        let out = self.ep.wakeup(id, r, wake);
        self.apply(out);
    }

    fn changed(&mut self, id: FdId) {
        let r = self.r(id);
        let out = self.ep.readiness_changed(id, r);
        self.apply(out);
    }

    pub fn efd_write(&mut self, fd: FdNum, v: u64) -> Result<usize, IoError> {
        self.write(fd, &v.to_le_bytes())
    }

    pub fn efd_read(&mut self, fd: FdNum) -> u64 {
        let mut b = [0u8; 8];
        self.read_into(fd, &mut b).unwrap();
        u64::from_le_bytes(b)
    }

    /// Serves an operation's wake-ups as the shims' `notify` does (there are no blocked reads
    /// or writes here).
    fn serve(&mut self, w: Wakeups) {
        for q in w.queues() {
            match q {
                WakeUp::Queue { id, wake, times } => {
                    for _ in 0..times {
                        self.wakeup(id, wake);
                    }
                }
                WakeUp::Changed(id) => self.changed(id),
            }
        }
    }

    /// `write(2)`, then the wake-ups of the shims' rules (`wake.rs`).
    pub fn write(&mut self, fd: FdNum, data: &[u8]) -> Result<usize, IoError> {
        let (id, d) = self.fds.description_mut(fd)?;
        let on = On { id, kind: d.kind(), peer: d.peer() };
        let r = d.write(data, &VClock::new());
        match r {
            Ok(n) => self.serve(Wakeups::none().after_write(on, Some(n))),
            Err(IoError::WouldBlock) if !data.is_empty() => self.serve(Wakeups::none().after_write(on, None)),
            Err(_) => {}
        }
        r
    }

    pub fn read(&mut self, fd: FdNum, n: usize) -> Result<usize, IoError> {
        let mut buf = vec![0u8; n];
        self.read_into(fd, &mut buf)
    }

    fn read_into(&mut self, fd: FdNum, buf: &mut [u8]) -> Result<usize, IoError> {
        let id = self.id(fd);
        let peer = self.fds.peer_of(id);
        let charge = |t: &FdTable, p: Option<FdId>| p.and_then(|p| t.get(p)).and_then(|d| d.as_socket()).map(|s| s.send_charge());
        let charge_before = charge(&self.fds, peer);
        let d = self.fds.get_mut(id).unwrap();
        let on = On { id, kind: d.kind(), peer };
        let r = d.read(buf, &mut VClock::new());
        if let Ok(n) = r {
            // Linux wakes the writer once per skb freed; the fd layer does not say how many a
            // read freed, so the rules wake once (enough for every probe here).
            let peer_space = peer.is_some_and(|p| charge(&self.fds, Some(p)) < charge_before && self.r(p).contains(Events::OUT));
            self.serve(Wakeups::none().after_read(on, n, peer_space));
        }
        r
    }

    pub fn shutdown(&mut self, fd: FdNum, how: Shutdown) {
        let (id, d) = self.fds.description_mut(fd).unwrap();
        d.shutdown(how).unwrap();
        let on = On { id, kind: d.kind(), peer: d.peer() };
        self.serve(Wakeups::none().after_shutdown(on));
    }

    pub fn dup(&mut self, fd: FdNum) -> FdNum {
        if let Some(&id) = self.epoll_fds.get(&fd) {
            let n = self.free_epoll_num();
            self.epoll_fds.insert(n, id);
            *self.epoll_refs.get_mut(&id).unwrap() += 1;
            return n;
        }
        self.fds.dup(fd).unwrap()
    }

    pub fn close(&mut self, fd: FdNum) {
        if let Some(id) = self.epoll_fds.remove(&fd) {
            self.unref_epoll(id);
            return;
        }
        if let Some(d) = self.fds.close(fd).unwrap() {
            self.ep.destroyed(d.id);
            self.serve(Wakeups::none().after_destroy(d.peer));
        }
    }

    // ----- epoll -----

    fn free_epoll_num(&self) -> FdNum {
        (EPOLL_FDS..).find(|n| !self.epoll_fds.contains_key(n)).unwrap()
    }

    pub fn epoll(&mut self) -> FdNum {
        let id = FdId(EPOLL_IDS + self.next_epoll);
        self.next_epoll += 1;
        self.ep.create(id);
        let n = self.free_epoll_num();
        self.epoll_fds.insert(n, id);
        self.epoll_refs.insert(id, 1);
        n
    }

    pub fn epoll_id(&self, ep: FdNum) -> FdId {
        self.epoll_fds[&ep]
    }

    fn unref_epoll(&mut self, id: FdId) {
        let n = self.epoll_refs.get_mut(&id).unwrap();
        *n -= 1;
        if *n == 0 {
            self.epoll_refs.remove(&id);
            self.ep.destroyed(id);
        }
    }

    /// Resolves an fd number the way the shim does: an epoll fd, a description, or closed.
    fn resolve(&self, fd: FdNum) -> Option<TargetFd> {
        if let Some(&id) = self.epoll_fds.get(&fd) {
            return Some(TargetFd { id, num: fd, readiness: Some(Events::NONE) });
        }
        let id = self.fds.lookup(fd).ok()?;
        Some(TargetFd { id, num: fd, readiness: self.readiness(id) })
    }

    /// `epoll_ctl(ep, op, fd, {events, data = label})`: "0" or the errno name.
    pub fn ctl(&mut self, ep: FdNum, op: i32, fd: FdNum, events: Events, label: &str) -> String {
        let data = self.labels.id(label);
        self.ctl_raw(ep, op, fd, Some(EpollEvent { events: events.0, data }))
    }

    pub fn ctl_raw(&mut self, ep: FdNum, op: i32, fd: FdNum, event: Option<EpollEvent>) -> String {
        let epfd = self.resolve(ep).map(|t| t.id);
        let req = CtlRequest { op, event, epfd, fd: self.resolve(fd) };
        match self.ep.ctl(req) {
            Ok(out) => {
                self.apply(out);
                "0".to_string()
            }
            Err(e) => e.name().to_string(),
        }
    }

    pub fn add(&mut self, ep: FdNum, fd: FdNum, events: Events, label: &str) -> String {
        self.ctl(ep, EPOLL_CTL_ADD, fd, events, label)
    }

    pub fn modify(&mut self, ep: FdNum, fd: FdNum, events: Events, label: &str) -> String {
        self.ctl(ep, EPOLL_CTL_MOD, fd, events, label)
    }

    pub fn del(&mut self, ep: FdNum, fd: FdNum) -> String {
        self.ctl_raw(ep, EPOLL_CTL_DEL, fd, None)
    }

    /// A non-blocking wait for up to `max` events into a good buffer.
    pub fn waitv(&mut self, ep: FdNum, max: usize) -> String {
        self.wait_buf(ep, WaitBuffer::new(max))
    }

    pub fn wait_buf(&mut self, ep: FdNum, buf: WaitBuffer) -> String {
        let id = self.epoll_fds[&ep];
        let (r, out) = self.ep.wait(id, u64::MAX, buf, false);
        self.apply(out);
        match r {
            WaitResult::Done(r) => self.labels.result(&r),
            WaitResult::Blocked => unreachable!("a non-blocking wait does not block"),
        }
    }

    /// The probes' `w(ep)`: room for 8 events, timeout 0.
    pub fn w(&mut self, ep: FdNum) -> String {
        self.waitv(ep, 8)
    }

    /// A thread calls `epoll_wait(ep, _, max, timeout > 0 or -1)`.
    pub fn block(&mut self, ep: FdNum, waiter: WaiterId, max: usize) {
        let id = self.epoll_fds[&ep];
        let (r, out) = self.ep.wait(id, waiter, WaitBuffer::new(max), true);
        match r {
            WaitResult::Done(r) => {
                let s = self.labels.result(&r);
                self.got.insert(waiter, s);
            }
            WaitResult::Blocked => {
                self.blocked.insert(waiter, id);
                *self.epoll_refs.get_mut(&id).unwrap() += 1;
            }
        }
        self.apply(out);
    }

    /// What the thread's wait returned, or — if it is still blocked — its timeout: `[]`.
    pub fn got(&mut self, waiter: WaiterId) -> String {
        if let Some(ep) = self.blocked.remove(&waiter) {
            assert!(self.ep.cancel_wait(ep, waiter), "a blocked waiter is queued");
            self.unref_epoll(ep);
            self.got.insert(waiter, "[]".to_string());
        }
        self.got.get(&waiter).cloned().unwrap_or_else(|| panic!("waiter {waiter} never waited"))
    }

    /// A waiter id not used before (from 1000 on).
    pub fn fresh_waiter(&mut self) -> WaiterId {
        self.next_waiter += 1;
        1000 + self.next_waiter
    }

    pub fn is_blocked(&self, waiter: WaiterId) -> bool {
        self.blocked.contains_key(&waiter)
    }
}

/// The probes' sorted list of thread results: "a + b + c".
pub fn sorted(mut v: Vec<String>) -> String {
    v.sort();
    v.join(" + ")
}

pub const IN: Events = Events::IN;
pub const OUT: Events = Events::OUT;
pub const RDHUP: Events = Events::RDHUP;
pub const ET: Events = Events::ET;
pub const ONESHOT: Events = Events::ONESHOT;
pub const EXCLUSIVE: Events = Events::EXCLUSIVE;
pub const LT: Events = Events::NONE;
