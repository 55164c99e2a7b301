//! `EPOLLEXCLUSIVE` (probe `exclusive.c`): its flag rules, and which instances a wakeup reaches
//! when several watch one file exclusively. One thread per instance, blocked in instance order.

use super::harness::*;
use super::recorded::check;
use crate::epoll::{Events, EPOLL_CTL_ADD};
use spindle_fds::FdNum;

fn fact(f: &str, actual: impl AsRef<str>) {
    check("exclusive", f, actual);
}

#[test]
fn exclusive_accepts_only_in_out_err_hup_wakeup_et() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    let bits: [(Events, &str); 17] = [
        (Events::IN, "IN"),
        (Events::OUT, "OUT"),
        (Events::ERR, "ERR"),
        (Events::HUP, "HUP"),
        (Events::WAKEUP, "WAKEUP"),
        (Events::ET, "ET"),
        (Events::NONE, "nothing else"),
        (Events::RDHUP, "RDHUP"),
        (Events::PRI, "PRI"),
        (Events::ONESHOT, "ONESHOT"),
        (Events::RDNORM, "RDNORM"),
        (Events::RDBAND, "RDBAND"),
        (Events::WRNORM, "WRNORM"),
        (Events::WRBAND, "WRBAND"),
        (Events::MSG, "MSG"),
        (Events(1 << 27), "bit 27"),
        (Events(1 << 14), "bit 14"),
    ];
    for (b, name) in bits {
        let r = w.add(ep, e, EXCLUSIVE | b, "x");
        fact(&format!("ADD EXCLUSIVE|{name}"), &r);
        if r == "0" {
            w.del(ep, e);
        }
    }
    let all_ok = EXCLUSIVE | IN | OUT | Events::ERR | Events::HUP | Events::WAKEUP | ET;
    fact("ADD EXCLUSIVE|IN|OUT|ERR|HUP|WAKEUP|ET", w.add(ep, e, all_ok, "x"));
    fact("MOD of an exclusive interest to IN", w.modify(ep, e, IN, "x"));
    fact("MOD of an exclusive interest to EXCLUSIVE|IN", w.modify(ep, e, EXCLUSIVE | IN, "x"));
    fact("ADD EXCLUSIVE|IN again (already registered)", w.add(ep, e, EXCLUSIVE | IN, "x"));
    fact("ADD EXCLUSIVE|RDHUP again (already registered)", w.add(ep, e, EXCLUSIVE | RDHUP, "x"));
    fact("ADD IN again (already registered exclusive)", w.add(ep, e, IN, "x"));
    fact("DEL of an exclusive interest", w.del(ep, e));
    fact("MOD EXCLUSIVE|IN of an unregistered fd", w.modify(ep, e, EXCLUSIVE | IN, "x"));
    fact("MOD IN of an unregistered fd", w.modify(ep, e, IN, "x"));
    w.add(ep, e, IN, "x");
    fact("MOD EXCLUSIVE|IN of a plain interest", w.modify(ep, e, EXCLUSIVE | IN, "x"));
    let inner = w.epoll();
    fact("ADD EXCLUSIVE|IN of an epoll fd", w.add(ep, inner, EXCLUSIVE | IN, "x"));
    fact("ADD EXCLUSIVE (no other bit)", w.ctl(inner, EPOLL_CTL_ADD, e, EXCLUSIVE, "x"));
}

/// The probe's `scenario`: instances E1..En watch `fd` with `events[i]`; a thread blocks on
/// those with `waiter[i]`; `trigger` runs; each thread's result and each instance's queue.
fn scenario(w: &mut World, name: &str, fd: FdNum, events: &[Events], waiter: &[bool], trigger: impl FnOnce(&mut World)) {
    let eps: Vec<FdNum> = events
        .iter()
        .enumerate()
        .map(|(i, &ev)| {
            let ep = w.epoll();
            w.add(ep, fd, ev, &format!("E{}", i + 1));
            ep
        })
        .collect();
    let threads: Vec<u64> = eps.iter().map(|_| w.fresh_waiter()).collect();
    for (i, &ep) in eps.iter().enumerate() {
        if waiter[i] {
            w.block(ep, threads[i], 8);
        }
    }
    trigger(w);
    for (i, &ep) in eps.iter().enumerate() {
        if waiter[i] {
            let got = w.got(threads[i]);
            fact(&format!("{name}: thread on E{} got", i + 1), got);
        }
        fact(&format!("{name}: afterwards E{} has queued", i + 1), w.w(ep));
    }
}

#[test]
fn a_wakeup_stops_at_the_first_exclusive_instance_with_a_thread() {
    let mut w = World::new();
    let e = w.efd(0);
    let x = EXCLUSIVE | IN;
    scenario(&mut w, "three instances EXCLUSIVE|IN (LT), a thread on each, write", e, &[x, x, x], &[true, true, true], |w| {
        w.efd_write(e, 1).unwrap();
    });
    w.efd_read(e);
    scenario(&mut w, "three instances EXCLUSIVE|IN (LT), threads on E2 and E3, write", e, &[x, x, x], &[false, true, true], |w| {
        w.efd_write(e, 1).unwrap();
    });
}

#[test]
fn plain_interests_are_always_reached_before_exclusive_ones() {
    let mut w = World::new();
    let e = w.efd(0);
    let x = EXCLUSIVE | IN | ET;
    scenario(&mut w, "E1, E2 EXCLUSIVE|IN|ET, E3 plain IN|ET, a thread on each, write", e, &[x, x, IN | ET], &[true, true, true], |w| {
        w.efd_write(e, 1).unwrap();
    });
}

#[test]
fn without_blocked_threads_every_exclusive_instance_is_queued() {
    let mut w = World::new();
    let e = w.efd(0);
    let x = EXCLUSIVE | IN;
    scenario(&mut w, "three instances EXCLUSIVE|IN, no threads, write", e, &[x, x, x], &[false, false, false], |w| {
        w.efd_write(e, 1).unwrap();
    });
}

#[test]
fn a_hang_up_reaches_every_exclusive_instance() {
    let mut w = World::new();
    let p = w.pipe();
    let x = EXCLUSIVE | IN;
    scenario(
        &mut w,
        "pipe read end in three instances EXCLUSIVE|IN, a thread on each, write end closed",
        p[0],
        &[x, x, x],
        &[true, true, true],
        |w| w.close(p[1]),
    );
}

#[test]
fn a_wakeup_of_the_other_direction_does_not_count_as_the_exclusive_one() {
    let mut w = World::new();
    let sv = w.sock();
    while w.write(sv[1], &[0; 4096]).is_ok() {}
    scenario(
        &mut w,
        "socket EXCLUSIVE|OUT in E1, EXCLUSIVE|IN in E2, a thread on each, peer writes",
        sv[1],
        &[EXCLUSIVE | OUT, EXCLUSIVE | IN],
        &[true, true],
        |w| {
            w.write(sv[0], b"x").unwrap();
        },
    );
}

#[test]
fn a_socket_write_is_one_wakeup_per_skb() {
    let mut w = World::new();
    let x = EXCLUSIVE | IN;
    let sv = w.sock();
    scenario(&mut w, "socket EXCLUSIVE|IN in E1 and E2, a thread on each, peer writes 1 byte", sv[1], &[x, x], &[true, true], |w| {
        w.write(sv[0], b"x").unwrap();
    });
    let sv = w.sock();
    // 100000 bytes are 3 skbs: the second wakeup finds E1's thread gone and goes on to E2.
    scenario(&mut w, "socket EXCLUSIVE|IN in E1 and E2, a thread on each, peer writes 100000 bytes", sv[1], &[x, x], &[true, true], |w| {
        assert_eq!(w.write(sv[0], &[0; 100_000]), Ok(100_000));
    });
}

#[test]
fn two_exclusive_interests_in_one_instance_the_second_is_not_reached() {
    let mut w = World::new();
    let e = w.efd(0);
    let d = w.dup(e);
    let ep = w.epoll();
    w.add(ep, e, EXCLUSIVE | IN | ET, "e_x");
    w.add(ep, d, EXCLUSIVE | IN | ET, "d_x");
    w.block(ep, 1, 8);
    w.efd_write(e, 1).unwrap();
    fact("one instance, fd and dup both EXCLUSIVE|IN|ET, a thread blocked, write: thread got", w.got(1));
    fact("one instance, fd and dup both EXCLUSIVE|IN|ET: afterwards queued", w.w(ep));
}
