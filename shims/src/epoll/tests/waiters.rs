//! Threads blocked in `epoll_wait` on one instance (probe `waiters.c`): who is woken and what
//! each gets. Waiter ids are the probe's thread numbers, blocked in the same order.

use super::harness::*;
use super::recorded::check;

fn fact(f: &str, actual: impl AsRef<str>) {
    check("waiters", f, actual);
}

#[test]
fn level_triggered_readiness_wakes_every_blocked_thread_in_turn() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    w.add(ep, e, IN, "efd");
    for t in 1..=3 {
        w.block(ep, t, 8);
    }
    w.efd_write(e, 1).unwrap();
    let got = sorted((1..=3).map(|t| w.got(t)).collect());
    fact("LT, 3 threads blocked, one write: they got (sorted)", got);
    fact("LT, afterwards the entry is still queued", w.w(ep));
}

#[test]
fn edge_triggered_event_wakes_one_thread_the_most_recently_blocked() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    w.add(ep, e, IN | ET, "efd");
    for t in 1..=3 {
        w.block(ep, t, 8);
    }
    w.efd_write(e, 1).unwrap();
    w.efd_write(e, 1).unwrap();
    for t in 1..=3 {
        fact(&format!("ET, 3 threads blocked, write, 50 ms, write: thread {t} got"), w.got(t));
    }
}

#[test]
fn oneshot_level_triggered_wakes_one_thread() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    w.add(ep, e, IN | ONESHOT, "efd");
    for t in 1..=3 {
        w.block(ep, t, 8);
    }
    w.efd_write(e, 1).unwrap();
    for t in 1..=3 {
        fact(&format!("LT|ONESHOT, 3 threads blocked, one write: thread {t} got"), w.got(t));
    }
}

#[test]
fn one_write_seen_by_three_interests_wakes_three_of_four_threads() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    let (d1, d2) = (w.dup(e), w.dup(e));
    w.add(ep, e, IN | ET, "e");
    w.add(ep, d1, IN | ET, "d1");
    w.add(ep, d2, IN | ET, "d2");
    for t in 1..=4 {
        w.block(ep, t, 1);
    }
    w.efd_write(e, 1).unwrap();
    let got = sorted((1..=4).map(|t| w.got(t)).collect());
    fact("ET, 3 interests of one eventfd, 4 threads with maxevents 1, one write: they got (sorted)", got);
}

#[test]
fn the_first_woken_thread_takes_all_events_and_the_oldest_is_not_woken() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    let d = w.dup(e);
    w.add(ep, e, IN | ET, "e");
    w.add(ep, d, IN | ET, "d");
    for t in 1..=3 {
        w.block(ep, t, 8);
    }
    w.efd_write(e, 1).unwrap();
    // Threads 3 and 2 are woken (one per interest); 3, woken first, collects both; 2 sleeps again.
    assert_eq!(w.log, vec![(3, "[d:IN, e:IN]".to_string())]);
    assert!(w.is_blocked(2) && w.is_blocked(1));
    fact("ET, 2 interests of one eventfd, 3 threads with maxevents 8, one write: thread 1 got", w.got(1));
    let got = sorted(vec![w.got(2), w.got(3)]);
    fact("ET, 2 interests of one eventfd, 3 threads with maxevents 8, one write: threads 2, 3 got (sorted)", got);
}

#[test]
fn a_thread_woken_for_nothing_blocks_again_at_the_head() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    w.add(ep, e, IN | ET, "efd");
    w.block(ep, 1, 8);
    w.block(ep, 2, 8);
    w.efd_write(e, 0).unwrap();
    assert_eq!(w.ep.waiters(w.epoll_id(ep)), vec![2, 1], "thread 2 was woken and blocked again first in line");
    w.efd_write(e, 1).unwrap();
    fact("ET, 2 threads blocked, write 0, 50 ms, write 1: thread 1 got", w.got(1));
    fact("ET, 2 threads blocked, write 0, 50 ms, write 1: thread 2 got", w.got(2));
}

#[test]
fn adding_a_ready_fd_wakes_one_thread() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(1);
    w.block(ep, 1, 8);
    w.block(ep, 2, 8);
    w.add(ep, e, IN | ET, "efd");
    fact("ET, 2 threads blocked, ADD of a ready fd: thread 1 got", w.got(1));
    fact("ET, 2 threads blocked, ADD of a ready fd: thread 2 got", w.got(2));
}

#[test]
fn a_timed_out_thread_leaves_the_queue_to_the_others() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    w.add(ep, e, IN | ET, "efd");
    w.block(ep, 1, 8);
    w.block(ep, 2, 8);
    let t1 = w.got(1); // thread 1's timeout expires first
    w.efd_write(e, 1).unwrap();
    fact("ET, thread 1 (timeout 30 ms) and thread 2 (300 ms), write at 90 ms: thread 1 got", t1);
    fact("ET, thread 1 (timeout 30 ms) and thread 2 (300 ms), write at 90 ms: thread 2 got", w.got(2));
}

#[test]
fn closing_the_watched_fd_wakes_nobody() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    w.add(ep, e, IN, "efd");
    w.block(ep, 1, 8);
    w.close(e);
    assert!(w.is_blocked(1));
    // The probe adds how long the wait took (its whole timeout): the core decides the events.
    let recorded = super::recorded::recorded("waiters", "LT, thread blocked, the watched eventfd closed: thread got");
    assert_eq!(w.got(1), recorded.split(" after").next().unwrap());
}

#[test]
fn a_deferred_harvest_uses_the_buffer_as_it_is_when_the_thread_collects() {
    // The shim defers the harvest so that a blocked thread's buffer is taken when the thread
    // collects its events, not when it blocked: a buffer freed meanwhile fails the wait with
    // EFAULT and leaves the event queued (the native twin of programs/epoll/wait_buffer_freed.mir
    // munmaps the buffer of a blocked wait: "the thread's wait: -1", "its errno: -1 EFAULT",
    // "main's wait: [4:IN]").
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    w.add(ep, e, IN | ET, "efd");
    w.ep.defer_harvest();
    w.block(ep, 1, 8);
    w.efd_write(e, 1).unwrap();
    assert_eq!(w.ep.waiters(w.epoll_id(ep)), Vec::<crate::epoll::WaiterId>::new(), "woken, not yet served");
    let out = w.ep.serve_woken(|_, buf| crate::epoll::WaitBuffer { writable: 0, ..buf });
    w.apply(out);
    assert_eq!(w.got(1), "EFAULT");
    assert_eq!(w.w(ep), "[efd:IN]");
}
