/* The ready list: FIFO order, no duplicates, stale entries, round robin, MOD/ADD queueing, and
 * the order in which one wakeup visits several interests of one description.
 * Eventfds registered for EPOLLIN only (counter 0 = not ready) give exact control: write(1)
 * makes one ready (and is a wakeup), read() makes it not ready without a wakeup for IN. */
#include "common.h"

static const char *M;
static uint32_t ET;
#define F(fact, ...) do { printf("%s %s: ", M, fact); printf(__VA_ARGS__); printf("\n"); fflush(stdout); } while (0)

static void fifo(void) {
    int ep = epoll_create1(0), a = efd(0, EFD_NONBLOCK), b = efd(0, EFD_NONBLOCK), c = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, a, EPOLLIN | ET, "a");
    ctl(ep, EPOLL_CTL_ADD, b, EPOLLIN | ET, "b");
    ctl(ep, EPOLL_CTL_ADD, c, EPOLLIN | ET, "c");
    efd_write(c, 1); efd_write(a, 1); efd_write(b, 1);
    F("fifo: write c, a, b then wait", "%s", w(ep));
    efd_write(a, 1); efd_write(a, 1);
    F("no duplicates: write a twice more, then wait", "%s", w(ep));
    close(a); close(b); close(c); close(ep);
}

static void stale_keeps_position(void) {
    int ep = epoll_create1(0), a = efd(0, EFD_NONBLOCK), b = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, a, EPOLLIN | ET, "a");
    ctl(ep, EPOLL_CTL_ADD, b, EPOLLIN | ET, "b");
    efd_write(a, 1); efd_write(b, 1);
    efd_read(a);          /* a no longer ready: no wakeup, its entry stays queued (stale) */
    efd_write(a, 1);      /* a ready again: a wakeup, but the entry is already queued */
    F("stale entry keeps its place: write a, write b, read a, write a, wait", "%s", w(ep));
    close(a); close(b); close(ep);
}

static void stale_dropped(void) {
    int ep = epoll_create1(0), a = efd(0, EFD_NONBLOCK), b = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, a, EPOLLIN | ET, "a");
    ctl(ep, EPOLL_CTL_ADD, b, EPOLLIN | ET, "b");
    efd_write(a, 1); efd_read(a);
    F("stale entry: write a, read a, wait", "%s", w(ep));
    efd_write(a, 1);
    F("then write a again, wait", "%s", w(ep));
    if (!ET) efd_read(a);
    /* A stale entry does not count against maxevents. */
    efd_write(a, 1); efd_write(b, 1); efd_read(a);
    F("list [a(stale), b], wait maxevents 1", "%s", waitv(ep, 1, 0));
    if (!ET) efd_read(b);
    /* After a stale entry is dropped, its next wakeup queues it at the tail. */
    efd_write(a, 1); efd_write(b, 1); efd_read(a);
    F("list [a(stale), b], wait", "%s", w(ep));
    efd_write(a, 1); efd_write(b, 1);
    F("then write a, write b, wait", "%s", w(ep));
    close(a); close(b); close(ep);
}

static void masks(void) {
    int ep = epoll_create1(0), sv[2]; sock(sv, 0);
    ctl(ep, EPOLL_CTL_ADD, sv[0], 0 | ET, "events0");
    F("socket registered with events 0, writable", "%s", w(ep));
    wr(sv[0], "x", 1);
    close(sv[1]);
    F("socket registered with events 0, peer closed with our data unread", "%s", w(ep));
    close(sv[0]); close(ep);
    ep = epoll_create1(0); sock(sv, 0);
    ctl(ep, EPOLL_CTL_ADD, sv[0], EPOLLIN | ET, "in_only");
    close(sv[1]);
    F("socket registered for IN only, peer closed", "%s", w(ep));
    close(sv[0]); close(ep);
    /* Every poll bit asked for, on each kind of file. */
    int p[2]; pipe(p);
    int e = efd(0, 0);
    sock(sv, 0);
    uint32_t all = 0x0fffffff & ~EPOLLEXCLUSIVE;
    ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, p[0], all | ET, "pipe_r");
    ctl(ep, EPOLL_CTL_ADD, p[1], all | ET, "pipe_w");
    ctl(ep, EPOLL_CTL_ADD, e, all | ET, "efd");
    ctl(ep, EPOLL_CTL_ADD, sv[0], all | ET, "sock");
    int inner = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, inner, all | ET, "epoll");
    F("events 0x0fffffff (every bit but the flags), nothing written", "%s", w(ep));
    wr(p[1], "x", 1); efd_write(e, 1); wr(sv[1], "x", 1);
    int e2 = efd(1, 0); ctl(inner, EPOLL_CTL_ADD, e2, EPOLLIN, "e2");
    F("events 0x0fffffff, after a write into each", "%s", w(ep));
    close(p[1]); close(sv[1]);
    F("events 0x0fffffff, after closing the peers", "%s", w(ep));
    close(p[0]); close(e); close(sv[0]); close(inner); close(e2); close(ep);
}

static void round_robin(void) {
    int ep = epoll_create1(0), a = efd(0, EFD_NONBLOCK), b = efd(0, EFD_NONBLOCK), c = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, a, EPOLLIN | ET, "a");
    ctl(ep, EPOLL_CTL_ADD, b, EPOLLIN | ET, "b");
    ctl(ep, EPOLL_CTL_ADD, c, EPOLLIN | ET, "c");
    efd_write(a, 1); efd_write(b, 1); efd_write(c, 1);
    F("three ready, wait maxevents 2", "%s", waitv(ep, 2, 0));
    F("wait maxevents 2 again", "%s", waitv(ep, 2, 0));
    F("wait maxevents 2 a third time", "%s", waitv(ep, 2, 0));
    efd_write(c, 1);
    F("then write c, wait", "%s", w(ep));
    close(a); close(b); close(c); close(ep);
}

static void leftovers_before_requeued(void) {
    /* LT a, b, c ready; wait 1 -> a; then write d: the list is [b, c, a] + d. */
    int ep = epoll_create1(0), a = efd(0, EFD_NONBLOCK), b = efd(0, EFD_NONBLOCK), c = efd(0, EFD_NONBLOCK), d = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, a, EPOLLIN | ET, "a");
    ctl(ep, EPOLL_CTL_ADD, b, EPOLLIN | ET, "b");
    ctl(ep, EPOLL_CTL_ADD, c, EPOLLIN | ET, "c");
    ctl(ep, EPOLL_CTL_ADD, d, EPOLLIN | ET, "d");
    efd_write(a, 1); efd_write(b, 1); efd_write(c, 1);
    F("a, b, c ready: wait maxevents 1", "%s", waitv(ep, 1, 0));
    efd_write(d, 1);
    F("then write d, wait", "%s", w(ep));
    close(a); close(b); close(c); close(d); close(ep);
}

static void mod_and_add(void) {
    int ep = epoll_create1(0), a = efd(0, EFD_NONBLOCK), b = efd(0, EFD_NONBLOCK), c = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, a, EPOLLIN | ET, "a");
    ctl(ep, EPOLL_CTL_ADD, b, EPOLLIN | ET, "b");
    ctl(ep, EPOLL_CTL_ADD, c, EPOLLIN | ET, "c");
    efd_write(a, 1); efd_write(b, 1); efd_write(c, 1);
    ctl(ep, EPOLL_CTL_MOD, a, EPOLLIN | ET, "a2");
    F("queued [a, b, c], MOD a (new data a2): wait", "%s", w(ep));
    if (ET) {
        ctl(ep, EPOLL_CTL_MOD, b, EPOLLIN | ET, "b");
        ctl(ep, EPOLL_CTL_MOD, a, EPOLLIN | ET, "a2");
        F("all delivered (ET), MOD b then MOD a: wait", "%s", w(ep));
        efd_read(c);
        ctl(ep, EPOLL_CTL_MOD, c, EPOLLIN | ET, "c");
        F("MOD of a not-ready interest: wait", "%s", w(ep));
    } else {
        efd_read(a);
        ctl(ep, EPOLL_CTL_MOD, b, EPOLLIN | ET, "b");
        F("queued [b, c, a2] with a2 not ready, MOD b: wait", "%s", w(ep));
    }
    int d = efd(1, EFD_NONBLOCK), e = efd(0, EFD_NONBLOCK);
    F("ADD of a ready fd", "%s", ctlr(ep, EPOLL_CTL_ADD, d, EPOLLIN | ET, "d"));
    F("ADD of a not-ready fd", "%s", ctlr(ep, EPOLL_CTL_ADD, e, EPOLLIN | ET, "e"));
    F("wait after the two ADDs", "%s", w(ep));
    close(a); close(b); close(c); close(d); close(e); close(ep);
}

static void callback_order(void) {
    /* One wakeup of a description visits its interests in wait-queue order: an ordinary
     * interest is added at the head of the file's wait queue (add_wait_queue), an
     * EPOLLEXCLUSIVE one at the tail (add_wait_queue_exclusive). */
    int ep = epoll_create1(0), e = efd(0, EFD_NONBLOCK);
    int d1 = dup(e), d2 = dup(e);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | ET, "e");
    ctl(ep, EPOLL_CTL_ADD, d1, EPOLLIN | ET, "d1");
    ctl(ep, EPOLL_CTL_ADD, d2, EPOLLIN | ET, "d2");
    efd_write(e, 1);
    F("three fds of one eventfd added e, d1, d2 (not ready): write, wait", "%s", w(ep));
    efd_read(e);
    ctl(ep, EPOLL_CTL_DEL, e, 0, NULL);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | ET, "e");
    if (!ET) w(ep);
    efd_write(e, 1);
    F("DEL e then ADD e again: write, wait", "%s", w(ep));
    efd_read(e);
    ctl(ep, EPOLL_CTL_MOD, d2, EPOLLIN | ET, "d2");
    if (!ET) w(ep);
    efd_write(e, 1);
    F("MOD d2 (not ready) changes nothing: write, wait", "%s", w(ep));
    close(ep);
    ep = epoll_create1(0);
    efd_read(e);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLEXCLUSIVE | ET, "e_x");
    ctl(ep, EPOLL_CTL_ADD, d1, EPOLLIN | EPOLLEXCLUSIVE | ET, "d1_x");
    ctl(ep, EPOLL_CTL_ADD, d2, EPOLLIN | ET, "d2");
    efd_write(e, 1);
    F("added e EXCLUSIVE, d1 EXCLUSIVE, d2 plain (no waiters): write, wait", "%s", w(ep));
    close(e); close(d1); close(d2); close(ep);
}

static void two_epolls_order(void) {
    /* The same description in two epolls: each keeps its own order. */
    int ep1 = epoll_create1(0), ep2 = epoll_create1(0), a = efd(0, EFD_NONBLOCK), b = efd(0, EFD_NONBLOCK);
    ctl(ep1, EPOLL_CTL_ADD, a, EPOLLIN | ET, "a");
    ctl(ep1, EPOLL_CTL_ADD, b, EPOLLIN | ET, "b");
    ctl(ep2, EPOLL_CTL_ADD, b, EPOLLIN | ET, "b");
    ctl(ep2, EPOLL_CTL_ADD, a, EPOLLIN | ET, "a");
    efd_write(b, 1); efd_write(a, 1);
    F("two epolls, write b then a: epoll 1", "%s", w(ep1));
    F("two epolls, write b then a: epoll 2", "%s", w(ep2));
    close(a); close(b); close(ep1); close(ep2);
}

int main(void) {
    for (int v = 0; v < 2; v++) {
        ET = v == 0 ? EPOLLET : 0;
        M = v == 0 ? "ET" : "LT";
        fifo(); stale_keeps_position(); stale_dropped(); masks(); round_robin();
        leftovers_before_requeued(); mod_and_add(); callback_order(); two_epolls_order();
    }
    return 0;
}
