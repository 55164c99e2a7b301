//! Miri's epoll test suite (reference/miri.md §5.1–5.3) replayed on the core, each step compared
//! with what Linux printed for probe `scenarios.c`, in both modes where the probe has both.

use super::harness::*;
use super::recorded::check;

/// One scenario run in one mode: `et` is `EPOLLET` or nothing, `m` its name in the probe.
struct Mode {
    et: crate::epoll::Events,
    m: &'static str,
}

impl Mode {
    fn check(&self, section: &str, name: &str, step: &str, actual: impl AsRef<str>) {
        check("scenarios", &format!("{section} {name} {} {step}", self.m), actual);
    }
}

const ETM: Mode = Mode { et: ET, m: "ET" };
const LTM: Mode = Mode { et: LT, m: "LT" };

/// Generates `mod $name { fn et(); fn lt(); }` running `$body(mode)` in both modes.
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

fn socketpair(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.write(sv[0], b"abcde").unwrap();
    w.add(ep, sv[1], IN | OUT | RDHUP | m.et, "fds1");
    m.check("5.1.1", "socketpair", "first wait", w.w(ep));
    m.check("5.1.1", "socketpair", "second wait", w.w(ep));
    w.write(sv[0], b"abcde").unwrap();
    m.check("5.1.1", "socketpair", "after 5 more bytes", w.w(ep));
    w.close(sv[0]);
    m.check("5.1.1", "socketpair", "after peer close", w.w(ep));
}
both_modes!(t5_1_1_socketpair_write_reports_every_time_and_peer_close_adds_hup_rdhup, socketpair);

fn socketpair_both_sides(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.add(ep, sv[0], IN | OUT | m.et, "fds0");
    w.add(ep, sv[1], IN | OUT | m.et, "fds1");
    w.write(sv[1], b"abcde").unwrap();
    m.check("5.1.2", "socketpair_both_sides", "after write into fds1", w.w(ep));
    w.read(sv[0], 5).unwrap();
    m.check("5.1.2", "socketpair_both_sides", "after fds0 read it all", w.w(ep));
}
both_modes!(t5_1_2_reading_a_whole_write_gives_the_writer_an_out_edge, socketpair_both_sides);

fn socketpair_read(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.add(ep, sv[0], IN | OUT | m.et, "fds0");
    w.add(ep, sv[1], IN | OUT | m.et, "fds1");
    w.write(sv[1], &[b'x'; 1024]).unwrap();
    m.check("5.1.3", "socketpair_read", "after 1024 bytes", w.w(ep));
    w.read(sv[0], 512).unwrap();
    m.check("5.1.3", "socketpair_read", "after reading 512", w.w(ep));
    w.read(sv[0], 512).unwrap();
    m.check("5.1.3", "socketpair_read", "after reading the other 512", w.w(ep));
}
both_modes!(t5_1_3_a_partial_read_is_no_edge_the_rest_is, socketpair_read);

fn eventfd(m: &Mode) {
    let mut w = World::new();
    let e = w.efd(0);
    let ep = w.epoll();
    w.efd_write(e, 1).unwrap();
    w.add(ep, e, IN | OUT | m.et, "efd");
    m.check("5.1.4", "eventfd", "after write 1 and add", w.w(ep));
    w.efd_write(e, 0).unwrap();
    m.check("5.1.4", "eventfd", "after write 0", w.w(ep));
    m.check("5.1.4", "eventfd", "read value", w.efd_read(e).to_string());
    m.check("5.1.4", "eventfd", "after read", w.w(ep));
    w.efd_write(e, u64::MAX - 1).unwrap();
    m.check("5.1.4", "eventfd", "after write u64::MAX-1", w.w(ep));
}
both_modes!(t5_1_4_eventfd_write_zero_is_an_edge_and_readiness_is_current, eventfd);

fn event_overwrite(m: &Mode) {
    let mut w = World::new();
    let e = w.efd(0);
    let ep = w.epoll();
    w.efd_write(e, 1).unwrap();
    w.add(ep, e, IN | OUT | m.et, "efd");
    w.efd_read(e);
    m.check("5.1.5", "event_overwrite", "read before wait", w.w(ep));
}
both_modes!(t5_1_5_a_queued_event_reports_the_readiness_at_wait_time, event_overwrite);

fn not_fully_closed(m: &Mode) {
    let mut w = World::new();
    let e = w.efd(0);
    let ep = w.epoll();
    let d = w.dup(e);
    w.add(ep, e, IN | OUT | m.et, "efd");
    w.close(e);
    m.check("5.1.6", "not_fully_closed_fd", "original closed, dup open", w.w(ep));
    w.efd_write(d, 1).unwrap();
    w.close(d);
    m.check("5.1.6", "not_fully_closed_fd", "write via dup then close dup", w.w(ep));
}
both_modes!(t5_1_6_the_interest_lives_until_the_description_dies, not_fully_closed);

fn closed_fd(m: &Mode) {
    let mut w = World::new();
    let e = w.efd(0);
    let ep = w.epoll();
    w.add(ep, e, IN | OUT | m.et, "efd");
    w.efd_write(e, 1).unwrap();
    w.close(e);
    m.check("5.1.7", "closed_fd", "write then close", w.w(ep));
}
both_modes!(t5_1_7_closing_the_only_fd_drops_the_queued_event, closed_fd);

fn two_instances(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let (ep1, ep2) = (w.epoll(), w.epoll());
    w.write(sv[0], b"abcde").unwrap();
    w.add(ep1, sv[1], IN | OUT | m.et, "fds1");
    w.add(ep2, sv[1], IN | OUT | m.et, "fds1");
    m.check("5.1.8", "two_epoll_instance", "epoll 1", w.w(ep1));
    m.check("5.1.8", "two_epoll_instance", "epoll 2", w.w(ep2));
}
both_modes!(t5_1_8_two_instances_both_report, two_instances);

fn unregistered_flag(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.add(ep, sv[0], OUT | m.et, "fds0");
    w.write(sv[1], b"abcde").unwrap();
    m.check("5.1.9", "no_notification_for_unregister_flag", "OUT interest, made readable", w.w(ep));
}
both_modes!(t5_1_9_bits_not_asked_for_are_not_reported, unregistered_flag);

fn ctl_mod(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.add(ep, sv[1], IN | m.et, "d0");
    m.check("5.1.10", "epoll_ctl_mod", "IN interest, nothing readable", w.w(ep));
    w.modify(ep, sv[1], OUT | m.et, "d1");
    m.check("5.1.10", "epoll_ctl_mod", "MOD to OUT data d1", w.w(ep));
    w.write(sv[1], b"abc").unwrap();
    w.read(sv[0], 3).unwrap();
    w.modify(ep, sv[1], OUT | m.et, "d2");
    m.check("5.1.10", "epoll_ctl_mod", "MOD to OUT data d2", w.w(ep));
    w.modify(ep, sv[1], OUT | m.et, "d2");
    m.check("5.1.10", "epoll_ctl_mod", "identical MOD again", w.w(ep));
}
both_modes!(t5_1_10_mod_re_reports_with_the_new_data, ctl_mod);

fn ctl_del(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.write(sv[0], b"abcde").unwrap();
    m.check("5.1.11", "epoll_ctl_del", "add", w.add(ep, sv[1], IN | OUT | m.et, "fds1"));
    m.check("5.1.11", "epoll_ctl_del", "del", w.del(ep, sv[1]));
    m.check("5.1.11", "epoll_ctl_del", "wait after del", w.w(ep));
}
both_modes!(t5_1_11_del_unqueues, ctl_del);

fn two_same_fd(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    let nfd = w.dup(sv[1]);
    w.add(ep, sv[1], IN | OUT | m.et, "fds1");
    w.add(ep, nfd, IN | OUT | m.et, "newfd");
    w.write(sv[0], b"abcde").unwrap();
    m.check("5.1.12", "two_same_fd_in_same_epoll_instance", "after write into fds0", w.w(ep));
}
both_modes!(t5_1_12_a_dup_is_a_second_interest, two_same_fd);

fn maxevents_zero(m: &Mode) {
    // The shim's check, before the core: maxevents 0 → EINVAL whatever the pointer.
    let r = crate::epoll::check_wait(&crate::epoll::WaitCheck {
        epfd: crate::epoll::FdArg::Open(crate::epoll::FileFacts { id: spindle_fds::FdId(7), is_epoll: true, pollable: true }),
        maxevents: 0,
        buffer_in_user_space: true,
        sigmask: None,
        timespec: None,
    });
    m.check("5.1.13", "epoll_wait_maxevent_zero", "maxevents 0, dangling pointer", r.unwrap_err().name());
}
both_modes!(t5_1_13_maxevents_zero_is_einval, maxevents_zero);

fn epollerr(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.write(sv[0], b"abcde").unwrap();
    w.close(sv[1]);
    w.add(ep, sv[0], IN | OUT | RDHUP | m.et, "fds0");
    m.check("5.1.14", "socketpair_epollerr", "peer closed with our data unread", w.w(ep));
}
both_modes!(t5_1_14_err_is_reported_unasked, epollerr);

fn lost_events(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.add(ep, sv[0], IN | OUT | m.et, "fds0");
    w.add(ep, sv[1], IN | OUT | m.et, "fds1");
    m.check("5.1.15", "epoll_lost_events", "wait maxevents 1", w.waitv(ep, 1));
    m.check("5.1.15", "epoll_lost_events", "next wait", w.w(ep));
}
both_modes!(t5_1_15_maxevents_one_keeps_the_rest_and_lt_rotates, lost_events);

fn fetching_logic(m: &Mode) {
    let mut w = World::new();
    let (e1, e2) = (w.efd(0), w.efd(0));
    let ep = w.epoll();
    w.add(ep, e1, IN | OUT | m.et, "efd1");
    w.add(ep, e2, IN | OUT | m.et, "efd2");
    w.close(e1);
    m.check("5.1.16", "ready_list_fetching_logic", "first closed", w.w(ep));
}
both_modes!(t5_1_16_a_destroyed_entry_leaves_no_gap, fetching_logic);

fn epfd_equal_fd(m: &Mode) {
    let mut w = World::new();
    let ep = w.epoll();
    // A dangling event pointer: EFAULT comes first.
    m.check("5.1.17", "epoll_ctl_epfd_equal_fd", "dangling event pointer", w.ctl_raw(ep, crate::epoll::EPOLL_CTL_ADD, ep, None));
    m.check("5.1.17", "epoll_ctl_epfd_equal_fd", "valid event pointer", w.add(ep, ep, IN | m.et, "ep"));
}
both_modes!(t5_1_17_adding_an_instance_to_itself_is_einval_after_efault, epfd_equal_fd);

fn ctl_notification(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let (a, b) = (w.epoll(), w.epoll());
    w.add(a, sv[0], IN | OUT | m.et, "fds0");
    m.check("5.1.18", "epoll_ctl_notification", "wait A", w.w(a));
    w.add(b, sv[0], IN | OUT | m.et, "fds0");
    m.check("5.1.18", "epoll_ctl_notification", "wait B after registering in B", w.w(b));
    m.check("5.1.18", "epoll_ctl_notification", "wait A again", w.w(a));
}
both_modes!(t5_1_18_registering_elsewhere_is_no_event, ctl_notification);

const FIXED: Mode = Mode { et: LT, m: "fixed" };

#[test]
fn t5_1_19_mixed_modes_in_one_instance() {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.add(ep, sv[0], IN | OUT | ET, "fds0");
    w.add(ep, sv[1], IN | OUT, "fds1");
    w.write(sv[1], b"abcde").unwrap();
    FIXED.check("5.1.19", "epoll_mixed_modes", "fds0 ET, fds1 LT, first wait", w.w(ep));
    FIXED.check("5.1.19", "epoll_mixed_modes", "second wait", w.w(ep));
}

#[test]
fn t5_1_20_mod_from_et_to_lt_re_reports() {
    let mut w = World::new();
    let e = w.efd(1);
    let ep = w.epoll();
    w.add(ep, e, IN | OUT | ET, "efd");
    FIXED.check("5.1.20", "epoll_registered_mode_switch", "ET first wait", w.w(ep));
    FIXED.check("5.1.20", "epoll_registered_mode_switch", "ET second wait", w.w(ep));
    w.modify(ep, e, IN | OUT, "efd");
    FIXED.check("5.1.20", "epoll_registered_mode_switch", "after MOD to LT", w.w(ep));
}

fn issue_3858(m: &Mode) {
    let mut w = World::new();
    let e = w.efd(0);
    let ep = w.epoll();
    w.add(ep, e, IN | m.et, "efd");
    let ep2 = w.dup(ep);
    w.close(ep);
    w.efd_write(e, 1).unwrap();
    m.check("5.1.21", "issue_3858", "epoll fd dup'd, original closed, write 1", w.w(ep2));
}
both_modes!(t5_1_21_an_epoll_fd_closed_under_a_dup_keeps_working, issue_3858);

fn issue_4374(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.add(ep, sv[0], IN | OUT | m.et, "fds0");
    while w.write(sv[0], &[0; 512]).is_ok() {}
    m.check("5.1.22", "issue_4374", "filled peer buffer", w.w(ep));
}
both_modes!(t5_1_22_an_entry_that_stopped_being_ready_is_not_reported, issue_4374);

fn issue_4374_reads(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.write(sv[1], b"abcde").unwrap();
    w.add(ep, sv[0], IN | OUT | m.et, "fds0");
    w.read(sv[0], 5).unwrap();
    m.check("5.1.23", "issue_4374_reads", "read all before wait", w.w(ep));
}
both_modes!(t5_1_23_reading_everything_leaves_out_only, issue_4374_reads);

// ----- 5.2: blocking -----

/// The probe's "elapsed" suffix is about the kernel's clock; the core only decides the events.
fn events_part(m: &Mode, section: &str, name: &str, step: &str) -> &'static str {
    let v = super::recorded::recorded("scenarios", &format!("{section} {name} {} {step}", m.m));
    v.split(" elapsed").next().unwrap()
}

fn block_without_notification(m: &Mode) {
    let mut w = World::new();
    let e = w.efd(0);
    let ep = w.epoll();
    w.add(ep, e, IN | m.et, "efd");
    w.block(ep, 1, 8);
    let name = "epoll_block_without_notification";
    assert_eq!(w.got(1), events_part(m, "5.2.1", name, "IN interest, wait 10ms"));
    w.close(ep);
    let ep = w.epoll();
    w.add(ep, e, IN | OUT | m.et, "efd");
    w.block(ep, 2, 8);
    m.check("5.2.1", name, "IN|OUT interest, wait -1", w.got(2));
    w.block(ep, 3, 8);
    assert_eq!(w.got(3), events_part(m, "5.2.1", name, "again, wait 10ms"));
}
both_modes!(t5_2_1_a_wait_with_nothing_ready_times_out, block_without_notification);

fn block_then_unblock(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.add(ep, sv[0], IN | OUT | m.et, "fds0");
    m.check("5.2.2", "epoll_block_then_unblock", "initial", w.w(ep));
    w.block(ep, 1, 8);
    w.write(sv[1], b"abcde").unwrap();
    m.check("5.2.2", "epoll_block_then_unblock", "wait 100ms while a thread writes after 10ms", w.got(1));
}
both_modes!(t5_2_2_a_write_wakes_the_blocked_waiter, block_then_unblock);

fn after_timeout(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.add(ep, sv[0], IN | OUT | m.et, "fds0");
    m.check("5.2.3", "notification_after_timeout", "initial", w.w(ep));
    w.block(ep, 1, 8);
    m.check("5.2.3", "notification_after_timeout", "wait 10ms", w.got(1));
    w.write(sv[1], b"abcde").unwrap();
    w.block(ep, 2, 8);
    m.check("5.2.3", "notification_after_timeout", "after write, wait 10ms", w.got(2));
}
both_modes!(t5_2_3_an_event_after_a_timeout_is_kept, after_timeout);

fn race(m: &Mode) {
    for v in 0..2 {
        let mut w = World::new();
        let e = w.efd(0);
        let ep = w.epoll();
        if v == 0 {
            w.add(ep, e, IN | m.et, "efd");
        }
        w.efd_write(e, 1).unwrap();
        if v == 1 {
            w.add(ep, e, IN | m.et, "efd");
        }
        w.block(ep, 1, 8);
        let step = if v == 0 { "registered before the write" } else { "registered after the write" };
        m.check("5.2.4", "epoll_race", step, w.got(1));
    }
}
both_modes!(t5_2_4_registration_before_or_after_the_write_reports_it, race);

fn wakeup_on_new_interest(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.write(sv[0], b"abcde").unwrap();
    w.block(ep, 1, 8);
    assert!(w.is_blocked(1));
    w.add(ep, sv[1], IN | OUT | RDHUP | m.et, "fds1");
    m.check("5.2.5", "wakeup_on_new_interest", "blocked thread, then fds1 registered", w.got(1));
}
both_modes!(t5_2_5_adding_a_ready_fd_wakes_a_blocked_waiter, wakeup_on_new_interest);

fn multiple_threads(m: &Mode) {
    let mut w = World::new();
    let e = w.efd(0);
    let d = w.dup(e);
    let name = "multiple_events_wake_multiple_threads";
    let ep = w.epoll();
    let ev = if m.m == "ET" { IN | OUT | ET } else { IN };
    w.add(ep, e, ev, "fd1");
    w.add(ep, d, ev, "fd2");
    m.check("5.2.6", name, "initial", w.w(ep));
    w.block(ep, 1, 1);
    w.block(ep, 2, 1);
    let step = if m.m == "ET" {
        w.efd_write(e, 0).unwrap();
        "after write 0, the two threads got (sorted)"
    } else {
        w.efd_write(e, 1).unwrap();
        "after write 1, the two threads got (sorted)"
    };
    let got = sorted(vec![w.got(1), w.got(2)]);
    m.check("5.2.6", name, step, got);
}
both_modes!(t5_2_6_two_events_wake_two_waiters_with_maxevents_one, multiple_threads);

fn epoll_close(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.add(ep, sv[0], IN | m.et, "fds0");
    w.block(ep, 1, 8);
    w.close(ep);
    w.write(sv[1], b"abcde").unwrap();
    m.check("5.2.7", "waiting_threads_unblocked_after_epoll_close", "blocked wait, epoll fd closed, then write", w.got(1));
}
both_modes!(t5_2_7_closing_the_epoll_fd_does_not_abandon_a_waiter, epoll_close);

fn socketpair_close(m: &Mode) {
    let mut w = World::new();
    let sv = w.sock();
    let ep = w.epoll();
    w.add(ep, sv[1], IN | m.et, "fds1");
    // A thread blocked reading fds0 holds its description.
    let id0 = w.fds.lookup(sv[0]).unwrap();
    assert!(w.fds.hold(id0));
    w.block(ep, 2, 8);
    w.close(sv[0]);
    let name = "waiting_threads_unblocked_after_socketpair_close";
    let woken = if w.is_blocked(2) { "no" } else { "yes" };
    m.check("5.2.8", name, "anyone woken by closing fds0 (held by a blocked reader)", woken);
    w.write(sv[1], b"1234").unwrap();
    // The reader wakes (the fd layer's business), reads, and lets go of fds0.
    let mut buf = [0u8; 4];
    let n = w.fds.get_mut(id0).unwrap().read(&mut buf, &mut spindle_fds::VClock::new()).unwrap();
    m.check("5.2.8", name, "reader got", format!("{n} {}", std::str::from_utf8(&buf).unwrap()));
    let destroyed = w.fds.release(id0).expect("the last reference");
    w.ep.destroyed(destroyed.id);
    let peer = destroyed.peer.unwrap();
    let r = w.readiness(peer).unwrap();
    let out = w.ep.wakeup(peer, r, crate::epoll::Wake::All);
    w.apply(out);
    m.check("5.2.8", name, "epoll waiter got", w.got(2));
}
both_modes!(t5_2_8_closing_a_held_socket_wakes_nobody_until_it_dies, socketpair_close);

fn fd_being_closed(m: &Mode) {
    let mut w = World::new();
    let e = w.efd(0);
    let ep = w.epoll();
    w.add(ep, e, IN | m.et, "efd");
    w.block(ep, 1, 8);
    w.close(e);
    assert!(w.is_blocked(1), "closing a watched fd wakes nobody");
    let got = w.got(1);
    assert_eq!(got, events_part(m, "5.2.9", "epoll_blocking_watching_fd_that_is_being_closed", "wait 30ms while the fd is closed at 10ms"));
}
both_modes!(t5_2_9_closing_a_watched_fd_wakes_nobody, fd_being_closed);

// ----- 5.3 -----

#[test]
fn t5_3_1_two_waiters_one_write_seen_by_two_interests_first_runner_takes_both() {
    let mut w = World::new();
    let e = w.efd(0);
    let ep = w.epoll();
    let d = w.dup(e);
    w.add(ep, e, IN | OUT | ET, "fd1");
    w.add(ep, d, IN | OUT | ET, "fd2");
    w.w(ep);
    w.block(ep, 1, 3);
    w.block(ep, 2, 3);
    w.efd_write(e, 0).unwrap();
    let got = sorted(vec![w.got(1), w.got(2)]);
    FIXED.check("5.3.1", "libc_epoll_block_two_thread", "the two threads got (sorted, ET, timeout 200ms)", got);
}

#[test]
fn t5_3_2_an_epoll_fd_can_be_added_to_another() {
    let mut w = World::new();
    let (a, b) = (w.epoll(), w.epoll());
    FIXED.check("5.3.2", "libc_epoll_unsupported_fd", "add an epoll fd to another epoll", w.add(a, b, IN | ET, "inner"));
}

#[test]
fn t5_3_3_maxevents_one_delivers_the_first_of_two_events() {
    let mut w = World::new();
    let (a, b) = (w.sock(), w.sock());
    let ep = w.epoll();
    w.add(ep, a[1], IN | ET, "A1");
    w.add(ep, b[1], IN | ET, "B1");
    w.write(a[0], b"a").unwrap();
    w.write(b[0], b"b").unwrap();
    ETM.check("5.3.3", "libc-epoll-data-race", "wait maxevents 1 after both writes", w.waitv(ep, 1));
}
