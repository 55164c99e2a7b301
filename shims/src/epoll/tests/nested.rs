//! Nested instances (probe `nested.c`): readiness of an epoll fd, propagation of wakeups, edge
//! consumption, stale entries, lifetime, depth limits and loops.

use super::harness::*;
use super::recorded::check;
use crate::epoll::Events;

fn fact(f: &str, actual: impl AsRef<str>) {
    check("nested", f, actual);
}

#[test]
fn an_instance_is_readable_while_a_queued_entry_is_really_ready() {
    let mut w = World::new();
    let (outer, inner) = (w.epoll(), w.epoll());
    let e = w.efd(0);
    w.add(outer, inner, IN | OUT | Events::RDNORM | Events::WRNORM | Events::PRI | RDHUP, "inner");
    w.add(inner, e, IN, "e");
    fact("empty inner: outer", w.w(outer));
    w.efd_write(e, 1).unwrap();
    fact("inner with a ready interest, every bit asked: outer", w.w(outer));
    let (r, out) = w.ep.poll(w.epoll_id(inner));
    w.apply(out);
    // poll(2) asked for POLLIN|POLLOUT|POLLPRI|POLLRDHUP: it shows IN (RDNORM was not asked).
    let poll_shows = r & (IN | OUT | Events::PRI | RDHUP);
    fact("poll(2) on that inner", poll_shows.to_string());
    w.efd_read(e);
    fact("inner's interest no longer ready (LT, stale): outer", w.w(outer));
}

#[test]
fn polling_an_inner_instance_consumes_none_of_its_events() {
    let mut w = World::new();
    let (outer, inner) = (w.epoll(), w.epoll());
    let e = w.efd(0);
    w.add(outer, inner, IN | ET, "inner");
    w.add(inner, e, IN | ET, "e");
    w.efd_write(e, 1).unwrap();
    fact("outer ET, inner ET: outer", w.w(outer));
    fact("outer ET, inner ET: outer again", w.w(outer));
    fact("outer ET, inner ET: inner still has", w.w(inner));
    fact("outer ET, inner ET: after inner's wait, outer", w.w(outer));
    w.efd_write(e, 1).unwrap();
    fact("outer ET, inner ET: write again, outer", w.w(outer));
    w.efd_write(e, 1).unwrap();
    fact("outer ET, inner ET: write once more (inner entry still queued), outer", w.w(outer));

    let mut w = World::new();
    let (outer, inner) = (w.epoll(), w.epoll());
    let e = w.efd(0);
    w.add(outer, inner, IN, "inner");
    w.add(inner, e, IN | ET, "e");
    w.efd_write(e, 1).unwrap();
    fact("outer LT, inner ET: outer", w.w(outer));
    fact("outer LT, inner ET: outer again", w.w(outer));
    fact("outer LT, inner ET: inner", w.w(inner));
    fact("outer LT, inner ET: after inner's wait, outer", w.w(outer));
}

#[test]
fn wakeups_propagate_upwards_only_when_they_pass_the_inner_filter() {
    let mut w = World::new();
    let (outer, inner) = (w.epoll(), w.epoll());
    let e = w.efd(1);
    w.add(inner, e, IN, "e");
    w.add(outer, inner, IN | ET, "inner");
    fact("outer ET, inner LT ready: outer", w.w(outer));
    fact("outer ET, inner LT ready: inner", w.w(inner));
    fact("outer ET, after a wait on inner re-queued its LT entry: outer", w.w(outer));

    let mut w = World::new();
    let (outer, inner) = (w.epoll(), w.epoll());
    let e = w.efd(0);
    w.add(inner, e, OUT, "e_out");
    w.add(outer, inner, IN | ET, "inner");
    fact("outer ET, inner watching an eventfd for OUT (ready): outer", w.w(outer));
    w.efd_write(e, 1).unwrap();
    fact("eventfd written (key IN, filtered by the inner interest): outer", w.w(outer));
    w.efd_read(e);
    fact("eventfd read (key OUT, passes): outer", w.w(outer));
}

#[test]
fn inner_add_and_mod_propagate_when_they_queue_an_entry() {
    let mut w = World::new();
    let (outer, inner) = (w.epoll(), w.epoll());
    let e = w.efd(1);
    w.add(outer, inner, IN | ET, "inner");
    w.add(inner, e, IN | ET, "e");
    fact("inner ADD of a ready fd: outer", w.w(outer));
    fact("inner", w.w(inner));
    w.modify(inner, e, IN | ET, "e");
    fact("inner MOD of the delivered ready fd: outer", w.w(outer));
    w.modify(inner, e, IN | ET, "e");
    fact("inner MOD again while the entry is still queued: outer", w.w(outer));
    w.del(inner, e);
    fact("inner DEL: outer", w.w(outer));
}

#[test]
fn a_write_at_the_bottom_of_a_chain_reaches_the_top() {
    let mut w = World::new();
    let ep: Vec<_> = (0..4).map(|_| w.epoll()).collect();
    let e = w.efd(0);
    w.add(ep[0], e, IN | ET, "e");
    w.add(ep[1], ep[0], IN | ET, "ep0");
    w.add(ep[2], ep[1], IN | ET, "ep1");
    w.add(ep[3], ep[2], IN | ET, "ep2");
    fact("chain ep3 -> ep2 -> ep1 -> ep0 -> eventfd, nothing written: ep3", w.w(ep[3]));
    w.efd_write(e, 1).unwrap();
    fact("chain, eventfd written: ep3", w.w(ep[3]));
    fact("chain, eventfd written: ep2", w.w(ep[2]));
    fact("chain, eventfd written: ep0", w.w(ep[0]));
    fact("chain, after ep0 consumed its ET entry: ep1", w.w(ep[1]));
}

#[test]
fn an_epoll_fd_is_never_writable() {
    let mut w = World::new();
    let (outer, inner) = (w.epoll(), w.epoll());
    let e = w.efd(1);
    w.add(inner, e, IN, "e");
    w.add(outer, inner, OUT, "inner_out");
    fact("outer watching a ready inner for OUT only: outer", w.w(outer));
}

#[test]
fn polling_an_inner_instance_drops_its_stale_entries() {
    let mut w = World::new();
    let (outer, inner) = (w.epoll(), w.epoll());
    let (a, b) = (w.efd(0), w.efd(0));
    w.add(inner, a, IN | ET, "a");
    w.add(inner, b, IN | ET, "b");
    w.add(outer, inner, IN, "inner");
    w.efd_write(a, 1).unwrap();
    w.efd_write(b, 1).unwrap();
    w.efd_read(a);
    fact("inner queue [a(stale), b], outer", w.w(outer));
    w.efd_write(a, 1).unwrap();
    fact("then write a: inner", w.w(inner));

    let mut w = World::new();
    let inner = w.epoll();
    let (a, b) = (w.efd(0), w.efd(0));
    w.add(inner, a, IN | ET, "a");
    w.add(inner, b, IN | ET, "b");
    w.efd_write(a, 1).unwrap();
    w.efd_write(b, 1).unwrap();
    w.efd_read(a);
    w.efd_write(a, 1).unwrap();
    fact("same without the outer poll: inner", w.w(inner));
}

#[test]
fn an_inner_instance_dies_with_its_last_fd() {
    let mut w = World::new();
    let (outer, inner) = (w.epoll(), w.epoll());
    let e = w.efd(1);
    w.add(inner, e, IN, "e");
    w.add(outer, inner, IN, "inner");
    w.close(inner);
    fact("inner closed (its last fd): outer", w.w(outer));
    assert_eq!(w.ep.interest_count(w.epoll_id(outer)), 0);

    let mut w = World::new();
    let (outer, inner) = (w.epoll(), w.epoll());
    let e = w.efd(1);
    w.add(inner, e, IN, "e");
    w.add(outer, inner, IN, "inner");
    w.close(e);
    fact("inner's only watched fd closed: outer", w.w(outer));
}

#[test]
fn depth_limits_through_epoll_ctl() {
    let mut w = World::new();
    let e = w.efd(0);
    let ep: Vec<_> = (0..8).map(|_| w.epoll()).collect();
    w.add(ep[0], e, IN, "e");
    for i in 0..7 {
        let r = w.add(ep[i + 1], ep[i], IN, "x");
        fact(&format!("bottom-up: ep{} ADD ep{i} (chain of {} epoll->epoll links)", i + 1, i + 1), &r);
        if r != "0" {
            break;
        }
    }
    let ep: Vec<_> = (0..8).map(|_| w.epoll()).collect();
    for i in 0..7 {
        let r = w.add(ep[i], ep[i + 1], IN, "x");
        fact(&format!("top-down: ep{i} ADD ep{} (chain of {} links)", i + 1, i + 1), &r);
        if r != "0" {
            break;
        }
    }
    let ep: Vec<_> = (0..8).map(|_| w.epoll()).collect();
    for (a, b) in [(0, 1), (1, 2), (3, 4), (4, 5)] {
        w.add(ep[a], ep[b], IN, "x");
    }
    fact("join: ep0->ep1->ep2 and ep3->ep4->ep5, ep2 ADD ep3 (5 links)", w.add(ep[2], ep[3], IN, "x"));
    fact("join: ep1 ADD ep3 (2 + 1 + ... = 1 + 1 + 2 = 4 links)", w.add(ep[1], ep[3], IN, "x"));
    let ep: Vec<_> = (0..8).map(|_| w.epoll()).collect();
    for (a, b) in [(0, 1), (0, 2), (1, 3), (3, 4)] {
        w.add(ep[a], ep[b], IN, "x");
    }
    fact("tree: ep0->{ep1->ep3->ep4, ep2}; ep2 ADD ep5 (longest chain via ep2: 2)", w.add(ep[2], ep[5], IN, "x"));
    fact("tree: ep4 ADD ep6 (longest chain 4)", w.add(ep[4], ep[6], IN, "x"));
    fact("tree: ep6 ADD ep7 (longest chain 5)", w.add(ep[6], ep[7], IN, "x"));
    let d: Vec<_> = (0..4).map(|_| w.epoll()).collect();
    for (a, b) in [(0, 1), (0, 2), (1, 3)] {
        w.add(d[a], d[b], IN, "x");
    }
    fact("diamond: d0->d1->d3, d0->d2; d2 ADD d3", w.add(d[2], d[3], IN, "x"));
}

#[test]
fn loops_through_epoll_ctl() {
    let mut w = World::new();
    let (a, b, c) = (w.epoll(), w.epoll(), w.epoll());
    fact("A ADD A", w.add(a, a, IN, "x"));
    let a2 = w.dup(a);
    fact("A ADD dup(A)", w.add(a, a2, IN, "x"));
    fact("dup(A) ADD A", w.add(a2, a, IN, "x"));
    fact("A ADD B", w.add(a, b, IN, "x"));
    fact("B ADD A (loop of 2)", w.add(b, a, IN, "x"));
    fact("B ADD C", w.add(b, c, IN, "x"));
    fact("C ADD A (loop of 3)", w.add(c, a, IN, "x"));
    fact("A ADD C (shortcut, no loop)", w.add(a, c, IN, "x"));
    fact("C ADD B (loop of 2)", w.add(c, b, IN, "x"));
    fact("MOD A's interest in B", w.modify(a, b, IN | ET, "x"));
    fact("A ADD B again", w.add(a, b, IN, "x"));
    fact("B ADD A with EXCLUSIVE (also a loop)", w.add(b, a, IN | EXCLUSIVE, "x"));
}
