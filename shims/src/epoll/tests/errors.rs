//! Every errno and the order of checks (probe `errors.c`). In the test world fd 0 (a standard
//! stream, which cannot be polled) stands for the probe's regular file.

use super::harness::*;
use super::recorded::check;
use crate::epoll::*;
use spindle_fds::FdId;

fn fact(f: &str, actual: impl AsRef<str>) {
    check("errors", f, actual);
}

fn name<T>(r: Result<T, Errno>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => e.name().into(),
    }
}

const FILE: i32 = 0;
const CLOSED: i32 = 99;
const ADD: i32 = EPOLL_CTL_ADD;
const MOD: i32 = EPOLL_CTL_MOD;
const DEL: i32 = EPOLL_CTL_DEL;

fn ev(events: Events) -> Option<EpollEvent> {
    Some(EpollEvent { events: events.0, data: 0 })
}

#[test]
fn epoll_create_and_create1_flags() {
    fact("epoll_create(1)", name(check_create(1)));
    fact("epoll_create(0)", name(check_create(0)));
    fact("epoll_create(-1)", name(check_create(-1)));
    fact("epoll_create(INT_MAX)", name(check_create(i32::MAX)));
    let cloexec = check_create1(0o2000000).unwrap();
    fact("epoll_create1(EPOLL_CLOEXEC)", format!("ok, FD_CLOEXEC {}", if cloexec { "set" } else { "clear" }));
    assert!(!check_create1(0).unwrap(), "probe: epoll_create1(0): FD_CLOEXEC clear");
    fact("epoll_create1(1)", name(check_create1(1)));
    fact("epoll_create1(O_NONBLOCK)", name(check_create1(0o4000)));
    fact("epoll_create1(EPOLL_CLOEXEC|1)", name(check_create1(0o2000001)));
}

#[test]
fn epoll_ctl_efault_comes_first_except_for_del() {
    let mut w = World::new();
    let e = w.efd(0);
    fact("ctl ADD, bad event pointer, closed epfd", w.ctl_raw(CLOSED, ADD, e, None));
    fact("ctl MOD, bad event pointer, closed epfd", w.ctl_raw(CLOSED, MOD, e, None));
    fact("ctl op 99, bad event pointer, closed epfd", w.ctl_raw(CLOSED, 99, e, None));
    fact("ctl op 0, bad event pointer, closed epfd", w.ctl_raw(CLOSED, 0, e, None));
    fact("ctl DEL, bad event pointer, closed epfd", w.ctl_raw(CLOSED, DEL, e, None));
    let ep = w.epoll();
    fact("ctl ADD, NULL event pointer", w.ctl_raw(ep, ADD, e, None));
    w.add(ep, e, IN, "e");
    fact("ctl DEL, NULL event pointer, registered", w.ctl_raw(ep, DEL, e, None));
    fact("ctl ADD, KERNEL event pointer", w.ctl_raw(ep, ADD, e, None));
}

#[test]
fn epoll_ctl_ebadf_then_eperm_then_einval() {
    let mut w = World::new();
    let (e, e2) = (w.efd(0), w.efd(0));
    let ep = w.epoll();
    let i = ev(IN);
    fact("ctl ADD, closed epfd, closed fd", w.ctl_raw(CLOSED, ADD, CLOSED, i));
    fact("ctl ADD, epfd -1", w.ctl_raw(-1, ADD, e, i));
    fact("ctl ADD, closed epfd, regular file", w.ctl_raw(CLOSED, ADD, FILE, i));
    fact("ctl ADD, epoll, closed fd", w.ctl_raw(ep, ADD, CLOSED, i));
    fact("ctl ADD, epoll, fd -1", w.ctl_raw(ep, ADD, -1, i));
    fact("ctl ADD, eventfd as epfd, closed fd", w.ctl_raw(e, ADD, CLOSED, i));
    fact("ctl ADD, epoll, regular file", w.ctl_raw(ep, ADD, FILE, i));
    fact("ctl DEL, epoll, regular file", w.ctl_raw(ep, DEL, FILE, None));
    fact("ctl op 99, epoll, regular file", w.ctl_raw(ep, 99, FILE, i));
    fact("ctl ADD, eventfd as epfd, regular file", w.ctl_raw(e, ADD, FILE, i));
    fact("ctl ADD, regular file as epfd, regular file", w.ctl_raw(FILE, ADD, FILE, i));
    fact("ctl ADD, regular file as epfd, eventfd", w.ctl_raw(FILE, ADD, e, i));
    fact("ctl ADD, eventfd as epfd, eventfd", w.ctl_raw(e, ADD, e2, i));
    fact("ctl ADD, eventfd as epfd, itself", w.ctl_raw(e, ADD, e, i));
    fact("ctl ADD, regular file as epfd, itself", w.ctl_raw(FILE, ADD, FILE, i));
    fact("ctl ADD, epoll, itself", w.ctl_raw(ep, ADD, ep, i));
    fact("ctl op 99, epoll, itself", w.ctl_raw(ep, 99, ep, i));
    fact("ctl op 99, eventfd as epfd, eventfd", w.ctl_raw(e, 99, e2, i));
    let xr = ev(IN | EXCLUSIVE | RDHUP);
    fact("ctl ADD EXCLUSIVE|RDHUP, eventfd as epfd", w.ctl_raw(e, ADD, e2, xr));
    fact("ctl ADD EXCLUSIVE|RDHUP, epoll, regular file", w.ctl_raw(ep, ADD, FILE, xr));
}

#[test]
fn epoll_ctl_lookup_errors_and_accepted_masks() {
    let mut w = World::new();
    let e = w.efd(0);
    let ep = w.epoll();
    let i = ev(IN);
    fact("ctl MOD, not registered", w.ctl_raw(ep, MOD, e, i));
    fact("ctl DEL, not registered", w.ctl_raw(ep, DEL, e, i));
    fact("ctl op 99, not registered", w.ctl_raw(ep, 99, e, i));
    fact("ctl op -1, not registered", w.ctl_raw(ep, -1, e, i));
    fact("ctl op 0, not registered", w.ctl_raw(ep, 0, e, i));
    w.ctl_raw(ep, ADD, e, i);
    fact("ctl op 99, registered", w.ctl_raw(ep, 99, e, i));
    fact("ctl op 4, registered", w.ctl_raw(ep, 4, e, i));
    fact("ctl MOD, registered, bad event pointer", w.ctl_raw(ep, MOD, e, None));
    fact("ctl ADD, registered", w.ctl_raw(ep, ADD, e, i));
    fact("ctl MOD events 1<<27 (unknown bit)", w.ctl_raw(ep, MOD, e, ev(Events(1 << 27))));
    fact("ctl MOD events 0xefffffff (all but EXCLUSIVE)", w.ctl_raw(ep, MOD, e, ev(Events(0xefff_ffff))));
    fact("ctl MOD events 0xffffffff", w.ctl_raw(ep, MOD, e, ev(Events(0xffff_ffff))));
    fact("ctl MOD IN|WAKEUP", w.ctl_raw(ep, MOD, e, ev(IN | Events::WAKEUP)));
    fact("ctl MOD events 0", w.ctl_raw(ep, MOD, e, ev(Events::NONE)));
}

const EPOLL: FdArg = FdArg::Open(FileFacts { id: FdId(1), is_epoll: true, pollable: true });
const EVENTFD: FdArg = FdArg::Open(FileFacts { id: FdId(2), is_epoll: false, pollable: true });

fn wait_check(epfd: FdArg, maxevents: i32, in_user_space: bool) -> WaitCheck {
    WaitCheck { epfd, maxevents, buffer_in_user_space: in_user_space, sigmask: None, timespec: None }
}

fn rw(c: WaitCheck) -> String {
    match check_wait(&c) {
        Ok(()) => "0".into(),
        Err(e) => e.name().into(),
    }
}

#[test]
fn epoll_wait_checks_the_fd_then_maxevents_then_the_buffer_then_the_kind() {
    fact("wait maxevents 0, closed epfd, KERNEL buffer", rw(wait_check(FdArg::Closed, 0, false)));
    fact("wait maxevents -1", rw(wait_check(EPOLL, -1, true)));
    fact("wait maxevents INT_MIN", rw(wait_check(EPOLL, i32::MIN, true)));
    fact("wait maxevents INT_MAX/12 = 178956970, NULL buffer, nothing ready", rw(wait_check(EPOLL, 178_956_970, true)));
    fact("wait maxevents 178956971", rw(wait_check(EPOLL, 178_956_971, true)));
    fact("wait KERNEL buffer, closed epfd", rw(wait_check(FdArg::Closed, 1, false)));
    fact("wait buffer ending past user space, closed epfd", rw(wait_check(FdArg::Closed, 2, false)));
    fact("wait BAD buffer, closed epfd", rw(wait_check(FdArg::Closed, 1, true)));
    fact("wait closed epfd", rw(wait_check(FdArg::Closed, 1, true)));
    fact("wait maxevents 0, KERNEL buffer", rw(wait_check(EPOLL, 0, false)));
    fact("wait KERNEL buffer", rw(wait_check(EPOLL, 1, false)));
    fact("wait buffer ending past user space", rw(wait_check(EPOLL, 2, false)));
    fact("wait eventfd as epfd, KERNEL buffer", rw(wait_check(EVENTFD, 1, false)));
    fact("wait eventfd as epfd, maxevents -1", rw(wait_check(EVENTFD, -1, true)));
    fact("wait epfd -1", rw(wait_check(FdArg::Closed, 1, true)));
    fact("wait eventfd as epfd", rw(wait_check(EVENTFD, 1, true)));
    fact("wait eventfd as epfd, maxevents 0", rw(wait_check(EVENTFD, 0, true)));
}

#[test]
fn a_buffer_that_cannot_be_written_fails_only_when_an_event_is_copied_out() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    let none = WaitBuffer { maxevents: 1, writable: 0 };
    fact("wait NULL buffer, nothing ready", w.wait_buf(ep, none).replace("[]", "0"));
    w.add(ep, e, OUT | ET, "e");
    fact("wait NULL buffer, one ET event ready", w.wait_buf(ep, none));
    fact("then a good wait into a good buffer", w.w(ep));

    let ep2 = w.epoll();
    let (a, b, c) = (w.efd(0), w.efd(0), w.efd(0));
    w.add(ep2, a, OUT | ET, "a");
    w.add(ep2, b, OUT | ONESHOT, "b");
    w.add(ep2, c, OUT | ET, "c");
    let got = w.wait_buf(ep2, WaitBuffer { maxevents: 3, writable: 1 });
    let n = got.matches(':').count();
    fact("wait a, b(ONESHOT), c ready into a buffer whose 2nd slot faults", format!("{n} {got}"));
    fact("then a wait into a good buffer", w.w(ep2));
    fact("and again", w.w(ep2));
}

fn pw(sigmask: Option<SigmaskArg>, timespec: Option<Option<(i64, i64)>>, epfd: FdArg, maxevents: i32) -> String {
    rw(WaitCheck { epfd, maxevents, buffer_in_user_space: true, sigmask, timespec })
}

fn mask(sigsetsize: u64, readable: bool) -> Option<SigmaskArg> {
    Some(SigmaskArg { sigsetsize, readable })
}

#[test]
fn epoll_pwait_and_pwait2_check_timeout_then_sigmask_first() {
    // A successful check is where the probe's wait returned its one ready event.
    let ok = |s: String| if s == "0" { "1".to_string() } else { s };
    fact("pwait sigsetsize 8, ready", ok(pw(mask(8, true), None, EPOLL, 4)));
    fact("pwait sigsetsize 7", pw(mask(7, true), None, EPOLL, 4));
    fact("pwait sigsetsize 16", pw(mask(16, true), None, EPOLL, 4));
    fact("pwait NULL mask, sigsetsize 7", ok(pw(None, None, EPOLL, 4)));
    fact("pwait sigsetsize 7, maxevents 0, closed epfd", pw(mask(7, true), None, FdArg::Closed, 0));
    fact("pwait BAD mask, maxevents 0", pw(mask(8, false), None, EPOLL, 0));
    fact("pwait BAD mask, sigsetsize 7", pw(mask(7, false), None, EPOLL, 1));
    fact("pwait2 timeout {0,0}, ready", ok(pw(None, Some(Some((0, 0))), EPOLL, 4)));
    fact("pwait2 NULL timeout, ready", ok(pw(None, None, EPOLL, 4)));
    fact("pwait2 timeout {-1,0}", pw(None, Some(Some((-1, 0))), EPOLL, 4));
    fact("pwait2 timeout {0,1000000000}", pw(None, Some(Some((0, 1_000_000_000))), EPOLL, 4));
    fact("pwait2 timeout {0,-1}", pw(None, Some(Some((0, -1))), EPOLL, 4));
    fact("pwait2 timeout {0,999999999}, ready", ok(pw(None, Some(Some((0, 999_999_999))), EPOLL, 4)));
    fact("pwait2 BAD timeout, maxevents 0, closed epfd, sigsetsize 7", pw(mask(7, true), Some(None), FdArg::Closed, 0));
    fact("pwait2 timeout {-1,0}, sigsetsize 7", pw(mask(7, true), Some(Some((-1, 0))), EPOLL, 4));
    fact("pwait2 timeout {-1,0}, maxevents 0", pw(None, Some(Some((-1, 0))), EPOLL, 0));
    fact("pwait2 sigsetsize 7, closed epfd", pw(mask(7, true), Some(Some((0, 0))), FdArg::Closed, 4));
    fact("pwait2 BAD mask, closed epfd", pw(mask(8, false), Some(Some((0, 0))), FdArg::Closed, 4));
}

#[test]
fn any_negative_timeout_waits_forever() {
    for ms in [-1, -2, -1000, i32::MIN] {
        assert_eq!(timeout_from_ms(ms), Timeout::Forever);
        let recorded = super::recorded::recorded("errors", &format!("wait timeout {ms}, a write after 50 ms"));
        assert!(recorded.starts_with("[e:IN]"), "probe: a wait with timeout {ms} got the event written after 50 ms");
    }
    assert_eq!(timeout_from_ms(0), Timeout::NonBlocking);
    assert_eq!(timeout_from_ms(30), Timeout::After(30_000_000));
    assert!(super::recorded::recorded("errors", "wait timeout 30, nothing").starts_with("[]"));
    assert_eq!(timeout_from_timespec(None), Timeout::Forever);
    assert_eq!(timeout_from_timespec(Some((0, 0))), Timeout::NonBlocking);
    assert_eq!(timeout_from_timespec(Some((1, 5))), Timeout::After(1_000_000_005));
}
