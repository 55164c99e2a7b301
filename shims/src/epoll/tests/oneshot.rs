//! `EPOLLONESHOT` (probe `oneshot.c`), in both modes.

use super::harness::*;
use super::ready_list::{Mode, ETM, LTM};
use super::recorded::check;

fn f(m: &Mode, fact: &str, actual: impl AsRef<str>) {
    check("oneshot", &format!("{} {fact}", m.m), actual);
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

fn basic(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    w.add(ep, e, IN | ONESHOT | m.et, "e");
    w.efd_write(e, 1).unwrap();
    f(m, "ONESHOT, written: wait", w.w(ep));
    f(m, "wait again (still readable)", w.w(ep));
    w.efd_write(e, 1).unwrap();
    f(m, "written again while disarmed: wait", w.w(ep));
    w.modify(ep, e, IN | ONESHOT | m.et, "e2");
    f(m, "MOD to IN|ONESHOT (ready): wait", w.w(ep));
    w.efd_read(e);
    w.modify(ep, e, IN | ONESHOT | m.et, "e3");
    f(m, "MOD while not ready: wait", w.w(ep));
    w.efd_write(e, 1).unwrap();
    f(m, "then written: wait", w.w(ep));
    f(m, "DEL of a disarmed interest", w.del(ep, e));
    f(m, "ADD again (ready)", w.add(ep, e, IN | ONESHOT | m.et, "e4"));
    f(m, "wait", w.w(ep));
    f(m, "ADD while registered and disarmed", w.add(ep, e, IN | ONESHOT | m.et, "e5"));
    w.modify(ep, e, IN | m.et, "plain");
    f(m, "MOD of the disarmed interest without ONESHOT: wait", w.w(ep));
    f(m, "and again", w.w(ep));
}
both_modes!(oneshot_reports_once_until_mod_rearms_it, basic);

fn stale_not_disarmed(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    w.add(ep, e, IN | ONESHOT | m.et, "e");
    w.efd_write(e, 1).unwrap();
    w.efd_read(e);
    f(m, "ONESHOT queued then not ready: wait", w.w(ep));
    w.efd_write(e, 1).unwrap();
    f(m, "then written (not disarmed by the stale drop): wait", w.w(ep));
}
both_modes!(a_stale_drop_does_not_disarm, stale_not_disarmed);

fn hup_while_disarmed(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    let sv = w.sock();
    w.add(ep, sv[0], IN | OUT | ONESHOT | m.et, "s0");
    f(m, "socket ONESHOT: wait", w.w(ep));
    w.close(sv[1]);
    f(m, "peer closed while disarmed: wait", w.w(ep));
    w.modify(ep, sv[0], IN | ONESHOT | m.et, "s0");
    f(m, "MOD to IN|ONESHOT: wait", w.w(ep));
}
both_modes!(a_disarmed_interest_does_not_even_report_hup, hup_while_disarmed);

fn maxevents_one(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    let (a, b) = (w.efd(1), w.efd(1));
    w.add(ep, a, IN | ONESHOT | m.et, "a");
    w.add(ep, b, IN | ONESHOT | m.et, "b");
    f(m, "two ONESHOT ready, wait maxevents 1", w.waitv(ep, 1));
    f(m, "wait maxevents 1 again", w.waitv(ep, 1));
    f(m, "wait again", w.w(ep));
}
both_modes!(only_delivered_oneshot_entries_are_disarmed, maxevents_one);

fn nested(m: &Mode) {
    let mut w = World::new();
    let (outer, inner) = (w.epoll(), w.epoll());
    let e = w.efd(1);
    w.add(inner, e, IN, "e");
    w.add(outer, inner, IN | ONESHOT | m.et, "inner");
    f(m, "outer ONESHOT on a ready inner: wait", w.w(outer));
    w.efd_write(e, 1).unwrap();
    f(m, "inner's fd written again: outer", w.w(outer));
}
both_modes!(a_oneshot_interest_in_an_inner_instance_fires_once, nested);
