/* Nested epoll: an epoll fd watched by another. Readiness, propagation of wakeups, edge
 * consumption, stale entries, depth limits and loops. "outer"/"inner" label the instances. */
#include "common.h"

static void readiness(void) {
    int outer = epoll_create1(0), inner = epoll_create1(0), e = efd(0, EFD_NONBLOCK);
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM | EPOLLPRI | EPOLLRDHUP, "inner");
    ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN, "e");
    FACT("empty inner: outer: %s", w(outer));
    efd_write(e, 1);
    FACT("inner with a ready interest, every bit asked: outer: %s", w(outer));
    struct pollfd p = {.fd = inner, .events = POLLIN | POLLOUT | POLLPRI | POLLRDHUP};
    poll(&p, 1, 0);
    char b[64]; bits(b, sizeof b, p.revents);
    FACT("poll(2) on that inner: %s", b);
    efd_read(e);
    FACT("inner's interest no longer ready (LT, stale): outer: %s", w(outer));
    close(e); close(inner); close(outer);
}

static void not_consumed(void) {
    int outer = epoll_create1(0), inner = epoll_create1(0), e = efd(0, EFD_NONBLOCK);
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN | EPOLLET, "inner");
    ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, "e");
    efd_write(e, 1);
    FACT("outer ET, inner ET: outer: %s", w(outer));
    FACT("outer ET, inner ET: outer again: %s", w(outer));
    FACT("outer ET, inner ET: inner still has: %s", w(inner));
    FACT("outer ET, inner ET: after inner's wait, outer: %s", w(outer));
    efd_write(e, 1);
    FACT("outer ET, inner ET: write again, outer: %s", w(outer));
    efd_write(e, 1);
    FACT("outer ET, inner ET: write once more (inner entry still queued), outer: %s", w(outer));
    close(e); close(inner); close(outer);

    outer = epoll_create1(0); inner = epoll_create1(0); e = efd(0, EFD_NONBLOCK);
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, "inner");
    ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, "e");
    efd_write(e, 1);
    FACT("outer LT, inner ET: outer: %s", w(outer));
    FACT("outer LT, inner ET: outer again: %s", w(outer));
    FACT("outer LT, inner ET: inner: %s", w(inner));
    FACT("outer LT, inner ET: after inner's wait, outer: %s", w(outer));
    close(e); close(inner); close(outer);
}

static void propagation(void) {
    int outer, inner, e;
    /* Does harvesting an LT entry in the inner instance (it stays queued) wake the outer? */
    outer = epoll_create1(0); inner = epoll_create1(0); e = efd(1, EFD_NONBLOCK);
    ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN, "e");
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN | EPOLLET, "inner");
    FACT("outer ET, inner LT ready: outer: %s", w(outer));
    FACT("outer ET, inner LT ready: inner: %s", w(inner));
    FACT("outer ET, after a wait on inner re-queued its LT entry: outer: %s", w(outer));
    close(e); close(inner); close(outer);

    /* A wakeup filtered out by the inner interest's events does not propagate. */
    outer = epoll_create1(0); inner = epoll_create1(0); e = efd(0, EFD_NONBLOCK);
    ctl(inner, EPOLL_CTL_ADD, e, EPOLLOUT, "e_out");
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN | EPOLLET, "inner");
    FACT("outer ET, inner watching an eventfd for OUT (ready): outer: %s", w(outer));
    efd_write(e, 1);
    FACT("eventfd written (key IN, filtered by the inner interest): outer: %s", w(outer));
    efd_read(e);
    FACT("eventfd read (key OUT, passes): outer: %s", w(outer));
    close(e); close(inner); close(outer);

    /* ADD and MOD in the inner instance propagate when they queue an entry. */
    outer = epoll_create1(0); inner = epoll_create1(0); e = efd(1, EFD_NONBLOCK);
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN | EPOLLET, "inner");
    ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, "e");
    FACT("inner ADD of a ready fd: outer: %s", w(outer));
    FACT("inner: %s", w(inner));
    ctl(inner, EPOLL_CTL_MOD, e, EPOLLIN | EPOLLET, "e");
    FACT("inner MOD of the delivered ready fd: outer: %s", w(outer));
    ctl(inner, EPOLL_CTL_MOD, e, EPOLLIN | EPOLLET, "e");
    FACT("inner MOD again while the entry is still queued: outer: %s", w(outer));
    ctl(inner, EPOLL_CTL_DEL, e, EPOLLIN, NULL);
    FACT("inner DEL: outer: %s", w(outer));
    close(e); close(inner); close(outer);

    /* A chain of four: a write at the bottom reaches the top. */
    int ep[4]; for (int i = 0; i < 4; i++) ep[i] = epoll_create1(0);
    e = efd(0, EFD_NONBLOCK);
    ctl(ep[0], EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, "e");
    ctl(ep[1], EPOLL_CTL_ADD, ep[0], EPOLLIN | EPOLLET, "ep0");
    ctl(ep[2], EPOLL_CTL_ADD, ep[1], EPOLLIN | EPOLLET, "ep1");
    ctl(ep[3], EPOLL_CTL_ADD, ep[2], EPOLLIN | EPOLLET, "ep2");
    FACT("chain ep3 -> ep2 -> ep1 -> ep0 -> eventfd, nothing written: ep3: %s", w(ep[3]));
    efd_write(e, 1);
    FACT("chain, eventfd written: ep3: %s", w(ep[3]));
    FACT("chain, eventfd written: ep2: %s", w(ep[2]));
    FACT("chain, eventfd written: ep0: %s", w(ep[0]));
    FACT("chain, after ep0 consumed its ET entry: ep1: %s", w(ep[1]));
    close(e); for (int i = 0; i < 4; i++) close(ep[i]);

    /* Outer asks for OUT only: an epoll fd is never writable. */
    outer = epoll_create1(0); inner = epoll_create1(0); e = efd(1, EFD_NONBLOCK);
    ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN, "e");
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLOUT, "inner_out");
    FACT("outer watching a ready inner for OUT only: outer: %s", w(outer));
    close(e); close(inner); close(outer);
}

static void stale_dropped_by_poll(void) {
    /* Polling an inner instance drops its stale entries on the way (LT and ET alike). */
    int outer = epoll_create1(0), inner = epoll_create1(0);
    int a = efd(0, EFD_NONBLOCK), b = efd(0, EFD_NONBLOCK);
    ctl(inner, EPOLL_CTL_ADD, a, EPOLLIN | EPOLLET, "a");
    ctl(inner, EPOLL_CTL_ADD, b, EPOLLIN | EPOLLET, "b");
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, "inner");
    efd_write(a, 1); efd_write(b, 1); efd_read(a);
    FACT("inner queue [a(stale), b], outer: %s", w(outer));
    efd_write(a, 1);
    FACT("then write a: inner: %s", w(inner));
    close(a); close(b); close(inner); close(outer);
    /* Without the outer poll, a keeps its place. */
    inner = epoll_create1(0); a = efd(0, EFD_NONBLOCK); b = efd(0, EFD_NONBLOCK);
    ctl(inner, EPOLL_CTL_ADD, a, EPOLLIN | EPOLLET, "a");
    ctl(inner, EPOLL_CTL_ADD, b, EPOLLIN | EPOLLET, "b");
    efd_write(a, 1); efd_write(b, 1); efd_read(a); efd_write(a, 1);
    FACT("same without the outer poll: inner: %s", w(inner));
    close(a); close(b); close(inner);
}

static void lifetime(void) {
    int outer = epoll_create1(0), inner = epoll_create1(0), e = efd(1, EFD_NONBLOCK);
    ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN, "e");
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, "inner");
    close(inner);
    FACT("inner closed (its last fd): outer: %s", w(outer));
    close(e); close(outer);
    outer = epoll_create1(0); inner = epoll_create1(0); e = efd(1, EFD_NONBLOCK);
    ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN, "e");
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, "inner");
    close(e);
    FACT("inner's only watched fd closed: outer: %s", w(outer));
    close(inner); close(outer);
}

static void depth(void) {
    /* Bottom-up: ep[i+1] watches ep[i]; ep[0] watches an eventfd. */
    int ep[8], e = efd(0, EFD_NONBLOCK);
    for (int i = 0; i < 8; i++) ep[i] = epoll_create1(0);
    ctl(ep[0], EPOLL_CTL_ADD, e, EPOLLIN, "e");
    for (int i = 0; i < 7; i++) {
        int r = ctl(ep[i + 1], EPOLL_CTL_ADD, ep[i], EPOLLIN, "x");
        FACT("bottom-up: ep%d ADD ep%d (chain of %d epoll->epoll links): %s", i + 1, i, i + 1, res(r));
        if (r < 0) break;
    }
    for (int i = 0; i < 8; i++) close(ep[i]);
    /* Top-down: ep[i] watches ep[i+1], built from the top. */
    for (int i = 0; i < 8; i++) ep[i] = epoll_create1(0);
    for (int i = 0; i < 7; i++) {
        int r = ctl(ep[i], EPOLL_CTL_ADD, ep[i + 1], EPOLLIN, "x");
        FACT("top-down: ep%d ADD ep%d (chain of %d links): %s", i, i + 1, i + 1, res(r));
        if (r < 0) break;
    }
    for (int i = 0; i < 8; i++) close(ep[i]);
    /* Joining two chains of two links each in the middle: 2 + 1 + 2 = 5 links. */
    for (int i = 0; i < 8; i++) ep[i] = epoll_create1(0);
    ctl(ep[0], EPOLL_CTL_ADD, ep[1], EPOLLIN, "x");
    ctl(ep[1], EPOLL_CTL_ADD, ep[2], EPOLLIN, "x");
    ctl(ep[3], EPOLL_CTL_ADD, ep[4], EPOLLIN, "x");
    ctl(ep[4], EPOLL_CTL_ADD, ep[5], EPOLLIN, "x");
    FACT("join: ep0->ep1->ep2 and ep3->ep4->ep5, ep2 ADD ep3 (5 links): %s", ctlr(ep[2], EPOLL_CTL_ADD, ep[3], EPOLLIN, "x"));
    FACT("join: ep1 ADD ep3 (2 + 1 + ... = 1 + 1 + 2 = 4 links): %s", ctlr(ep[1], EPOLL_CTL_ADD, ep[3], EPOLLIN, "x"));
    for (int i = 0; i < 8; i++) close(ep[i]);
    /* A wide tree: depth counts the longest path only. */
    for (int i = 0; i < 8; i++) ep[i] = epoll_create1(0);
    ctl(ep[0], EPOLL_CTL_ADD, ep[1], EPOLLIN, "x");
    ctl(ep[0], EPOLL_CTL_ADD, ep[2], EPOLLIN, "x");
    ctl(ep[1], EPOLL_CTL_ADD, ep[3], EPOLLIN, "x");
    ctl(ep[3], EPOLL_CTL_ADD, ep[4], EPOLLIN, "x");
    FACT("tree: ep0->{ep1->ep3->ep4, ep2}; ep2 ADD ep5 (longest chain via ep2: 2): %s", ctlr(ep[2], EPOLL_CTL_ADD, ep[5], EPOLLIN, "x"));
    FACT("tree: ep4 ADD ep6 (longest chain 4): %s", ctlr(ep[4], EPOLL_CTL_ADD, ep[6], EPOLLIN, "x"));
    FACT("tree: ep6 ADD ep7 (longest chain 5): %s", ctlr(ep[6], EPOLL_CTL_ADD, ep[7], EPOLLIN, "x"));
    /* A diamond is not a loop. */
    int d[4]; for (int i = 0; i < 4; i++) d[i] = epoll_create1(0);
    ctl(d[0], EPOLL_CTL_ADD, d[1], EPOLLIN, "x");
    ctl(d[0], EPOLL_CTL_ADD, d[2], EPOLLIN, "x");
    ctl(d[1], EPOLL_CTL_ADD, d[3], EPOLLIN, "x");
    FACT("diamond: d0->d1->d3, d0->d2; d2 ADD d3: %s", ctlr(d[2], EPOLL_CTL_ADD, d[3], EPOLLIN, "x"));
    for (int i = 0; i < 4; i++) close(d[i]);
    for (int i = 0; i < 8; i++) close(ep[i]);
    close(e);
}

static void loops(void) {
    int a = epoll_create1(0), b = epoll_create1(0), c = epoll_create1(0);
    FACT("A ADD A: %s", ctlr(a, EPOLL_CTL_ADD, a, EPOLLIN, "x"));
    int a2 = dup(a);
    FACT("A ADD dup(A): %s", ctlr(a, EPOLL_CTL_ADD, a2, EPOLLIN, "x"));
    FACT("dup(A) ADD A: %s", ctlr(a2, EPOLL_CTL_ADD, a, EPOLLIN, "x"));
    FACT("A ADD B: %s", ctlr(a, EPOLL_CTL_ADD, b, EPOLLIN, "x"));
    FACT("B ADD A (loop of 2): %s", ctlr(b, EPOLL_CTL_ADD, a, EPOLLIN, "x"));
    FACT("B ADD C: %s", ctlr(b, EPOLL_CTL_ADD, c, EPOLLIN, "x"));
    FACT("C ADD A (loop of 3): %s", ctlr(c, EPOLL_CTL_ADD, a, EPOLLIN, "x"));
    FACT("A ADD C (shortcut, no loop): %s", ctlr(a, EPOLL_CTL_ADD, c, EPOLLIN, "x"));
    FACT("C ADD B (loop of 2): %s", ctlr(c, EPOLL_CTL_ADD, b, EPOLLIN, "x"));
    FACT("MOD A's interest in B: %s", ctlr(a, EPOLL_CTL_MOD, b, EPOLLIN | EPOLLET, "x"));
    FACT("A ADD B again: %s", ctlr(a, EPOLL_CTL_ADD, b, EPOLLIN, "x"));
    FACT("B ADD A with EXCLUSIVE (also a loop): %s", ctlr(b, EPOLL_CTL_ADD, a, EPOLLIN | EPOLLEXCLUSIVE, "x"));
    close(a); close(a2); close(b); close(c);
}

int main(void) {
    readiness(); not_consumed(); propagation(); stale_dropped_by_poll(); lifetime(); depth(); loops();
    return 0;
}
