//! The cost of a wait and of a wakeup must not grow with the number of interests registered
//! (issue 5's benchmark (a): one ready interest among 10 vs 100 000). Measured with the core's
//! work counter (entries re-checked + wakeup callbacks run), which any scan of the interest list
//! would inflate.

use crate::epoll::*;
use spindle_fds::FdId;

/// An instance with `n` level-triggered interests, one of them ready; returns the work of one
/// wakeup of the ready description and of 100 waits.
fn work_with(n: u64) -> (u64, u64) {
    let mut ep = Epolls::new();
    let epid = FdId(1 << 40);
    ep.create(epid);
    for i in 0..n {
        let req = CtlRequest {
            op: EPOLL_CTL_ADD,
            event: Some(EpollEvent { events: Events::IN.0, data: i }),
            epfd: Some(epid),
            fd: Some(TargetFd { id: FdId(i), num: i as i32 + 3, readiness: Some(Events::NONE) }),
        };
        assert!(ep.ctl(req).unwrap().deliveries.is_empty());
    }
    let ready = FdId(n / 2);
    let before = ep.work;
    let out = ep.wakeup(ready, Events::IN, Wake::Key(keys::EVENTFD_WRITE));
    assert_eq!(out.polled, vec![epid]);
    assert!(out.deliveries.is_empty());
    let wake_work = ep.work - before;
    let before = ep.work;
    for _ in 0..100 {
        let (r, out) = ep.wait(epid, 1, WaitBuffer::new(8), false);
        assert!(out.deliveries.is_empty());
        let WaitResult::Done(Ok(events)) = r else { panic!("{r:?}") };
        assert_eq!(events, vec![Event { events: Events::IN, data: n / 2, fd: ready }]);
    }
    (wake_work, ep.work - before)
}

#[test]
fn one_ready_interest_among_100000_costs_what_it_costs_among_10() {
    let small = work_with(10);
    let large = work_with(100_000);
    assert_eq!(small, (1, 100), "one callback per wakeup, one re-check per wait");
    assert_eq!(large, small);
}

#[test]
fn readiness_changes_of_unwatched_descriptions_cost_nothing() {
    let mut ep = Epolls::new();
    ep.create(FdId(1 << 40));
    assert!(ep.readiness_changed(FdId(5), Events::IN).is_empty());
    assert!(ep.wakeup(FdId(5), Events::IN, Wake::All).is_empty());
    assert_eq!(ep.work, 0);
}
