//! The ready list (probe `ready_list.c`), in both modes: FIFO, no duplicates, stale entries,
//! reported masks, round robin, MOD/ADD, and the order one wakeup visits interests.

use super::harness::*;
use super::recorded::check;
use crate::epoll::Events;

pub struct Mode {
    pub et: Events,
    pub m: &'static str,
}
pub const ETM: Mode = Mode { et: ET, m: "ET" };
pub const LTM: Mode = Mode { et: LT, m: "LT" };

impl Mode {
    fn check(&self, fact: &str, actual: impl AsRef<str>) {
        check("ready_list", &format!("{} {fact}", self.m), actual);
    }
    fn is_et(&self) -> bool {
        self.m == "ET"
    }
}

macro_rules! both_modes {
    ($name:ident, $body:ident) => {
        mod $name {
            #[test]
            fn et() {
                super::$body(&super::ETM);
            }
            #[test]
            fn lt() {
                super::$body(&super::LTM);
            }
        }
    };
}

fn fifo(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    let (a, b, c) = (w.efd(0), w.efd(0), w.efd(0));
    w.add(ep, a, IN | m.et, "a");
    w.add(ep, b, IN | m.et, "b");
    w.add(ep, c, IN | m.et, "c");
    w.efd_write(c, 1).unwrap();
    w.efd_write(a, 1).unwrap();
    w.efd_write(b, 1).unwrap();
    m.check("fifo: write c, a, b then wait", w.w(ep));
    w.efd_write(a, 1).unwrap();
    w.efd_write(a, 1).unwrap();
    m.check("no duplicates: write a twice more, then wait", w.w(ep));
}
both_modes!(entries_are_delivered_in_the_order_they_became_ready_once_each, fifo);

fn stale_keeps_position(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    let (a, b) = (w.efd(0), w.efd(0));
    w.add(ep, a, IN | m.et, "a");
    w.add(ep, b, IN | m.et, "b");
    w.efd_write(a, 1).unwrap();
    w.efd_write(b, 1).unwrap();
    w.efd_read(a);
    w.efd_write(a, 1).unwrap();
    m.check("stale entry keeps its place: write a, write b, read a, write a, wait", w.w(ep));
}
both_modes!(an_entry_that_went_stale_and_ready_again_keeps_its_place, stale_keeps_position);

fn stale_dropped(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    let (a, b) = (w.efd(0), w.efd(0));
    w.add(ep, a, IN | m.et, "a");
    w.add(ep, b, IN | m.et, "b");
    w.efd_write(a, 1).unwrap();
    w.efd_read(a);
    m.check("stale entry: write a, read a, wait", w.w(ep));
    w.efd_write(a, 1).unwrap();
    m.check("then write a again, wait", w.w(ep));
    if !m.is_et() {
        w.efd_read(a);
    }
    w.efd_write(a, 1).unwrap();
    w.efd_write(b, 1).unwrap();
    w.efd_read(a);
    m.check("list [a(stale), b], wait maxevents 1", w.waitv(ep, 1));
    if !m.is_et() {
        w.efd_read(b);
    }
    w.efd_write(a, 1).unwrap();
    w.efd_write(b, 1).unwrap();
    w.efd_read(a);
    m.check("list [a(stale), b], wait", w.w(ep));
    w.efd_write(a, 1).unwrap();
    w.efd_write(b, 1).unwrap();
    m.check("then write a, write b, wait", w.w(ep));
}
both_modes!(a_wait_drops_stale_entries_without_counting_them, stale_dropped);

fn masks(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    let sv = w.sock();
    w.add(ep, sv[0], Events::NONE | m.et, "events0");
    m.check("socket registered with events 0, writable", w.w(ep));
    w.write(sv[0], b"x").unwrap();
    w.close(sv[1]);
    m.check("socket registered with events 0, peer closed with our data unread", w.w(ep));
    let ep = w.epoll();
    let sv = w.sock();
    w.add(ep, sv[0], IN | m.et, "in_only");
    w.close(sv[1]);
    m.check("socket registered for IN only, peer closed", w.w(ep));
    // Every poll bit asked for, on each kind of file.
    let p = w.pipe();
    let e = w.efd(0);
    let sv = w.sock();
    let all = Events(0x0fff_ffff);
    let ep = w.epoll();
    w.add(ep, p[0], all | m.et, "pipe_r");
    w.add(ep, p[1], all | m.et, "pipe_w");
    w.add(ep, e, all | m.et, "efd");
    w.add(ep, sv[0], all | m.et, "sock");
    let inner = w.epoll();
    w.add(ep, inner, all | m.et, "epoll");
    m.check("events 0x0fffffff (every bit but the flags), nothing written", w.w(ep));
    w.write(p[1], b"x").unwrap();
    w.efd_write(e, 1).unwrap();
    w.write(sv[1], b"x").unwrap();
    let e2 = w.efd(1);
    w.add(inner, e2, IN, "e2");
    m.check("events 0x0fffffff, after a write into each", w.w(ep));
    w.close(p[1]);
    w.close(sv[1]);
    m.check("events 0x0fffffff, after closing the peers", w.w(ep));
}
both_modes!(reported_mask_is_readiness_and_interest_plus_hup_err_with_each_kinds_bits, masks);

fn round_robin(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    let (a, b, c) = (w.efd(0), w.efd(0), w.efd(0));
    w.add(ep, a, IN | m.et, "a");
    w.add(ep, b, IN | m.et, "b");
    w.add(ep, c, IN | m.et, "c");
    for fd in [a, b, c] {
        w.efd_write(fd, 1).unwrap();
    }
    m.check("three ready, wait maxevents 2", w.waitv(ep, 2));
    m.check("wait maxevents 2 again", w.waitv(ep, 2));
    m.check("wait maxevents 2 a third time", w.waitv(ep, 2));
    w.efd_write(c, 1).unwrap();
    m.check("then write c, wait", w.w(ep));
}
both_modes!(lt_entries_rotate_when_more_are_ready_than_maxevents, round_robin);

fn leftovers_before_requeued(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    let fds: Vec<_> = (0..4).map(|_| w.efd(0)).collect();
    for (fd, l) in fds.iter().zip(["a", "b", "c", "d"]) {
        w.add(ep, *fd, IN | m.et, l);
    }
    for fd in &fds[..3] {
        w.efd_write(*fd, 1).unwrap();
    }
    m.check("a, b, c ready: wait maxevents 1", w.waitv(ep, 1));
    w.efd_write(fds[3], 1).unwrap();
    m.check("then write d, wait", w.w(ep));
}
both_modes!(entries_a_wait_did_not_reach_stay_ahead_of_requeued_ones, leftovers_before_requeued);

fn mod_and_add(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    let (a, b, c) = (w.efd(0), w.efd(0), w.efd(0));
    w.add(ep, a, IN | m.et, "a");
    w.add(ep, b, IN | m.et, "b");
    w.add(ep, c, IN | m.et, "c");
    for fd in [a, b, c] {
        w.efd_write(fd, 1).unwrap();
    }
    w.modify(ep, a, IN | m.et, "a2");
    m.check("queued [a, b, c], MOD a (new data a2): wait", w.w(ep));
    if m.is_et() {
        w.modify(ep, b, IN | m.et, "b");
        w.modify(ep, a, IN | m.et, "a2");
        m.check("all delivered (ET), MOD b then MOD a: wait", w.w(ep));
        w.efd_read(c);
        w.modify(ep, c, IN | m.et, "c");
        m.check("MOD of a not-ready interest: wait", w.w(ep));
    } else {
        w.efd_read(a);
        w.modify(ep, b, IN | m.et, "b");
        m.check("queued [b, c, a2] with a2 not ready, MOD b: wait", w.w(ep));
    }
    let (d, e) = (w.efd(1), w.efd(0));
    m.check("ADD of a ready fd", w.add(ep, d, IN | m.et, "d"));
    m.check("ADD of a not-ready fd", w.add(ep, e, IN | m.et, "e"));
    m.check("wait after the two ADDs", w.w(ep));
}
both_modes!(mod_keeps_a_queued_entry_in_place_and_queues_a_ready_unqueued_one, mod_and_add);

fn callback_order(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    let (d1, d2) = (w.dup(e), w.dup(e));
    w.add(ep, e, IN | m.et, "e");
    w.add(ep, d1, IN | m.et, "d1");
    w.add(ep, d2, IN | m.et, "d2");
    w.efd_write(e, 1).unwrap();
    m.check("three fds of one eventfd added e, d1, d2 (not ready): write, wait", w.w(ep));
    w.efd_read(e);
    w.del(ep, e);
    w.add(ep, e, IN | m.et, "e");
    if !m.is_et() {
        w.w(ep);
    }
    w.efd_write(e, 1).unwrap();
    m.check("DEL e then ADD e again: write, wait", w.w(ep));
    w.efd_read(e);
    w.modify(ep, d2, IN | m.et, "d2");
    if !m.is_et() {
        w.w(ep);
    }
    w.efd_write(e, 1).unwrap();
    m.check("MOD d2 (not ready) changes nothing: write, wait", w.w(ep));
    w.close(ep);
    let ep = w.epoll();
    w.efd_read(e);
    w.add(ep, e, IN | EXCLUSIVE | m.et, "e_x");
    w.add(ep, d1, IN | EXCLUSIVE | m.et, "d1_x");
    w.add(ep, d2, IN | m.et, "d2");
    w.efd_write(e, 1).unwrap();
    m.check("added e EXCLUSIVE, d1 EXCLUSIVE, d2 plain (no waiters): write, wait", w.w(ep));
}
both_modes!(one_wakeup_visits_plain_interests_newest_first_then_exclusive_oldest_first, callback_order);

fn two_epolls_order(m: &Mode) {
    let mut w = World::new();
    let (ep1, ep2) = (w.epoll(), w.epoll());
    let (a, b) = (w.efd(0), w.efd(0));
    w.add(ep1, a, IN | m.et, "a");
    w.add(ep1, b, IN | m.et, "b");
    w.add(ep2, b, IN | m.et, "b");
    w.add(ep2, a, IN | m.et, "a");
    w.efd_write(b, 1).unwrap();
    w.efd_write(a, 1).unwrap();
    m.check("two epolls, write b then a: epoll 1", w.w(ep1));
    m.check("two epolls, write b then a: epoll 2", w.w(ep2));
}
both_modes!(each_instance_orders_by_readiness_not_registration, two_epolls_order);
