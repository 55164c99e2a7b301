//! Interest lifetime (probe `lifetime.c`): keyed by (description, fd number); closing one of
//! several fds keeps the interest; the description's death removes it. The shim answers EBADF
//! for a closed number before the core sees the call.

use super::harness::*;
use super::recorded::check;

fn fact(f: &str, actual: impl AsRef<str>) {
    check("lifetime", f, actual);
}

#[test]
fn interests_are_keyed_by_description_and_number_and_die_with_the_description() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(1);
    let d = w.dup(e);
    fact("ADD e", w.add(ep, e, IN, "e"));
    fact("MOD by the dup's number (not registered under it)", w.modify(ep, d, IN, "d"));
    fact("DEL by the dup's number", w.del(ep, d));
    fact("ADD by the dup's number", w.add(ep, d, IN, "d"));
    fact("both interests report", w.w(ep));
    let old = e;
    w.close(e);
    fact("e closed (dup still open)", w.w(ep));
    fact("DEL by the closed number", w.del(ep, old));
    fact("MOD by the closed number", w.modify(ep, old, IN, "e2"));
    let f = w.efd(1);
    fact("a new eventfd reuses the closed number", if f == old { "yes" } else { "no" });
    fact("ADD of the new description under that number", w.add(ep, f, IN, "f"));
    fact("all three report", w.w(ep));
    fact("DEL by that number removes the new one", w.del(ep, f));
    fact("after DEL of the new one", w.w(ep));
    w.close(f);
    let r = w.fds.dup2(d, old).unwrap().0;
    fact("dup2(d, old number) returns the old number", if r == old { "yes" } else { "no" });
    fact("ADD under the old number again", w.add(ep, old, IN, "e3"));
    fact("MOD under the old number", w.modify(ep, old, IN, "e4"));
    fact("after MOD", w.w(ep));
    fact("DEL under the old number", w.del(ep, old));
    fact("after DEL under the old number", w.w(ep));
    w.close(old);
    w.close(d);
    fact("every fd of the description closed", w.w(ep));
}

#[test]
fn a_destroyed_description_leaves_the_ready_list_in_order() {
    let mut w = World::new();
    let ep = w.epoll();
    let (a, b, c) = (w.efd(1), w.efd(1), w.efd(1));
    w.add(ep, a, IN | ET, "a");
    w.add(ep, b, IN | ET, "b");
    w.add(ep, c, IN | ET, "c");
    w.close(b);
    fact("a, b, c queued, b closed", w.w(ep));
}

#[test]
fn a_pipe_end_kept_open_by_a_dup_keeps_reporting() {
    let mut w = World::new();
    let ep = w.epoll();
    let p = w.pipe();
    let keep = w.dup(p[0]);
    w.add(ep, p[0], IN, "r");
    w.close(p[0]);
    w.write(p[1], b"x").unwrap();
    fact("pipe read end registered, its number closed, a dup keeps it: write", w.w(ep));
    w.close(keep);
    fact("last fd of the read end closed", w.w(ep));
}
