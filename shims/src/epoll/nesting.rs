//! Loop and depth checks for `EPOLL_CTL_ADD` of an epoll fd into another (`ep_loop_check` in
//! fs/eventpoll.c, Linux 6.18), as a pure function of the graph "which instance watches which".
//!
//! Adding the link `ep → target` (ep watches target) fails with `ELOOP` when
//! * `target` reaches `ep` downwards (a cycle; probe `nested.c`: "B ADD A (loop of 2): ELOOP",
//!   "C ADD A (loop of 3): ELOOP"), or
//! * the longest chain of links through the new one would exceed [`EP_MAX_NESTS`] = 4 links:
//!   `height(target) + 1 + upward_depth(ep) > 4`, where `height` counts links downwards from
//!   `target` and `upward_depth` links upwards from `ep` (probe: "bottom-up: ep4 ADD ep3 (chain
//!   of 4 epoll->epoll links): 0", "ep5 ADD ep4 (chain of 5 ...): ELOOP"; the same when built
//!   top-down or by joining two chains: "join: ... (5 links): ELOOP"; only the longest path
//!   counts: "tree: ep4 ADD ep6 (longest chain 4): 0"; a diamond is no loop: "diamond: ... d2 ADD
//!   d3: 0").
//!
//! An instance added to itself (also through a `dup` of its fd) is `EINVAL`, checked before
//! (see [`super::validate`]).

use super::errno::Errno;
use spindle_fds::FdId;
use std::collections::BTreeMap;

/// `EP_MAX_NESTS`: the most epoll → epoll links a chain may have.
pub const EP_MAX_NESTS: usize = 4;

/// The graph of epoll instances: who watches whom.
pub trait NestingGraph {
    /// The epoll instances `ep` has interests in (with repetitions allowed).
    fn watches(&self, ep: FdId) -> Vec<FdId>;
    /// The epoll instances that have interests in `ep`.
    fn watched_by(&self, ep: FdId) -> Vec<FdId>;
}

/// Whether `ep` may start watching `target` (both epoll instances): `Err(ELOOP)` for a cycle or
/// a chain longer than [`EP_MAX_NESTS`] links.
pub fn check_nesting(g: &impl NestingGraph, ep: FdId, target: FdId) -> Result<(), Errno> {
    let mut memo = BTreeMap::new();
    let height = height(g, target, ep, 0, &mut memo);
    if height > EP_MAX_NESTS {
        return Err(Errno::Eloop);
    }
    let up = upward(g, ep, &mut BTreeMap::new());
    if height + 1 + up > EP_MAX_NESTS {
        return Err(Errno::Eloop);
    }
    Ok(())
}

/// `ep_loop_check_proc`: the most links below `node`; `EP_MAX_NESTS + 1` if `inserting_into` is
/// reachable or the search goes too deep.
fn height(g: &impl NestingGraph, node: FdId, inserting_into: FdId, depth: usize, memo: &mut BTreeMap<FdId, usize>) -> usize {
    if let Some(&h) = memo.get(&node) {
        return h;
    }
    let mut result = 0;
    for next in g.watches(node) {
        if next == inserting_into || depth > EP_MAX_NESTS {
            result = EP_MAX_NESTS + 1;
        } else {
            result = result.max(height(g, next, inserting_into, depth + 1, memo) + 1);
        }
        if result > EP_MAX_NESTS {
            break;
        }
    }
    memo.insert(node, result);
    result
}

/// `ep_get_upwards_depth_proc`: the most links above `node`. The graph has no cycles (every ADD
/// was checked), so this terminates.
fn upward(g: &impl NestingGraph, node: FdId, memo: &mut BTreeMap<FdId, usize>) -> usize {
    if let Some(&d) = memo.get(&node) {
        return d;
    }
    let d = g.watched_by(node).into_iter().map(|up| upward(g, up, memo) + 1).max().unwrap_or(0);
    memo.insert(node, d);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Links `(watcher, watched)`.
    struct Links(Vec<(u64, u64)>);
    impl NestingGraph for Links {
        fn watches(&self, ep: FdId) -> Vec<FdId> {
            self.0.iter().filter(|l| l.0 == ep.0).map(|l| FdId(l.1)).collect()
        }
        fn watched_by(&self, ep: FdId) -> Vec<FdId> {
            self.0.iter().filter(|l| l.1 == ep.0).map(|l| FdId(l.0)).collect()
        }
    }

    /// Adds links one by one like the probe, returning each result.
    fn build(adds: &[(u64, u64)]) -> Vec<Result<(), Errno>> {
        let mut g = Links(vec![]);
        adds.iter()
            .map(|&(a, b)| {
                let r = check_nesting(&g, FdId(a), FdId(b));
                if r.is_ok() {
                    g.0.push((a, b));
                }
                r
            })
            .collect()
    }

    #[test]
    fn chain_of_four_links_is_allowed_five_is_eloop_bottom_up() {
        // probe nested.c "bottom-up: ep1 ADD ep0 ... ep4 ADD ep3: 0", "ep5 ADD ep4: ELOOP"
        let r = build(&[(1, 0), (2, 1), (3, 2), (4, 3), (5, 4)]);
        assert_eq!(r, vec![Ok(()), Ok(()), Ok(()), Ok(()), Err(Errno::Eloop)]);
    }

    #[test]
    fn chain_of_four_links_is_allowed_five_is_eloop_top_down() {
        // probe nested.c "top-down: ep0 ADD ep1 ... ep3 ADD ep4: 0", "ep4 ADD ep5: ELOOP"
        let r = build(&[(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]);
        assert_eq!(r, vec![Ok(()), Ok(()), Ok(()), Ok(()), Err(Errno::Eloop)]);
    }

    #[test]
    fn joining_two_chains_counts_links_on_both_sides() {
        // probe nested.c "join: ep0->ep1->ep2 and ep3->ep4->ep5, ep2 ADD ep3 (5 links): ELOOP",
        // "join: ep1 ADD ep3 (... 4 links): 0"
        let r = build(&[(0, 1), (1, 2), (3, 4), (4, 5), (2, 3), (1, 3)]);
        assert_eq!(r[4], Err(Errno::Eloop));
        assert_eq!(r[5], Ok(()));
    }

    #[test]
    fn only_the_longest_path_counts_and_a_diamond_is_no_loop() {
        // probe nested.c "tree: ... ep2 ADD ep5: 0", "ep4 ADD ep6 (longest chain 4): 0",
        // "ep6 ADD ep7 (longest chain 5): ELOOP"
        let r = build(&[(0, 1), (0, 2), (1, 3), (3, 4), (2, 5), (4, 6), (6, 7)]);
        assert_eq!(&r[4..], &[Ok(()), Ok(()), Err(Errno::Eloop)]);
        // "diamond: d0->d1->d3, d0->d2; d2 ADD d3: 0"
        let r = build(&[(10, 11), (10, 12), (11, 13), (12, 13)]);
        assert_eq!(r[3], Ok(()));
    }

    #[test]
    fn cycles_are_eloop() {
        // probe nested.c "A ADD B: 0", "B ADD A (loop of 2): ELOOP", "B ADD C: 0",
        // "C ADD A (loop of 3): ELOOP", "A ADD C (shortcut, no loop): 0", "C ADD B: ELOOP"
        let r = build(&[(1, 2), (2, 1), (2, 3), (3, 1), (1, 3), (3, 2)]);
        assert_eq!(r, vec![Ok(()), Err(Errno::Eloop), Ok(()), Err(Errno::Eloop), Ok(()), Err(Errno::Eloop)]);
    }
}
