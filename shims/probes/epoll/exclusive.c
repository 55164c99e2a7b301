/* EPOLLEXCLUSIVE: which flags may accompany it, MOD, and which epoll instances a wakeup reaches
 * when several watch one file exclusively. Process pinned to one CPU; one thread blocked per
 * instance (timeout 300 ms), started in order 20 ms apart. */
#include "common.h"

#define X EPOLLEXCLUSIVE

static void validation(void) {
    int ep = epoll_create1(0), e = efd(0, EFD_NONBLOCK);
    struct { uint32_t bits; const char *name; } ok[] = {
        {EPOLLIN, "IN"}, {EPOLLOUT, "OUT"}, {EPOLLERR, "ERR"}, {EPOLLHUP, "HUP"},
        {EPOLLWAKEUP, "WAKEUP"}, {EPOLLET, "ET"}, {0, "nothing else"},
        {EPOLLRDHUP, "RDHUP"}, {EPOLLPRI, "PRI"}, {EPOLLONESHOT, "ONESHOT"}, {EPOLLRDNORM, "RDNORM"},
        {EPOLLRDBAND, "RDBAND"}, {EPOLLWRNORM, "WRNORM"}, {EPOLLWRBAND, "WRBAND"}, {EPOLLMSG, "MSG"},
        {1u << 27, "bit 27"}, {1u << 14, "bit 14"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int r = ctl(ep, EPOLL_CTL_ADD, e, X | ok[i].bits, "x");
        FACT("ADD EXCLUSIVE|%s: %s", ok[i].name, res(r));
        if (r == 0) ctl(ep, EPOLL_CTL_DEL, e, 0, NULL);
    }
    FACT("ADD EXCLUSIVE|IN|OUT|ERR|HUP|WAKEUP|ET: %s", ctlr(ep, EPOLL_CTL_ADD, e, X | EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET, "x"));
    FACT("MOD of an exclusive interest to IN: %s", ctlr(ep, EPOLL_CTL_MOD, e, EPOLLIN, "x"));
    FACT("MOD of an exclusive interest to EXCLUSIVE|IN: %s", ctlr(ep, EPOLL_CTL_MOD, e, X | EPOLLIN, "x"));
    FACT("ADD EXCLUSIVE|IN again (already registered): %s", ctlr(ep, EPOLL_CTL_ADD, e, X | EPOLLIN, "x"));
    FACT("ADD EXCLUSIVE|RDHUP again (already registered): %s", ctlr(ep, EPOLL_CTL_ADD, e, X | EPOLLRDHUP, "x"));
    FACT("ADD IN again (already registered exclusive): %s", ctlr(ep, EPOLL_CTL_ADD, e, EPOLLIN, "x"));
    FACT("DEL of an exclusive interest: %s", res(epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL)));
    FACT("MOD EXCLUSIVE|IN of an unregistered fd: %s", ctlr(ep, EPOLL_CTL_MOD, e, X | EPOLLIN, "x"));
    FACT("MOD IN of an unregistered fd: %s", ctlr(ep, EPOLL_CTL_MOD, e, EPOLLIN, "x"));
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, "x");
    FACT("MOD EXCLUSIVE|IN of a plain interest: %s", ctlr(ep, EPOLL_CTL_MOD, e, X | EPOLLIN, "x"));
    int inner = epoll_create1(0);
    FACT("ADD EXCLUSIVE|IN of an epoll fd: %s", ctlr(ep, EPOLL_CTL_ADD, inner, X | EPOLLIN, "x"));
    FACT("ADD EXCLUSIVE (no other bit): %s", ctlr(inner, EPOLL_CTL_ADD, e, X, "x"));
    close(inner); close(e); close(ep);
}

/* n instances, each watching fd with `events`; threads blocked on those with has_waiter[i]. */
static void scenario(const char *name, int n, int fd, const uint32_t *events, const int *has_waiter,
                     void (*trigger)(int), int trigger_fd) {
    int eps[8];
    struct waiter ws[8];
    for (int i = 0; i < n; i++) {
        eps[i] = epoll_create1(0);
        char *lbl = malloc(8); snprintf(lbl, 8, "E%d", i + 1);
        ctl(eps[i], EPOLL_CTL_ADD, fd, events[i], lbl);
    }
    for (int i = 0; i < n; i++)
        if (has_waiter[i]) start_waiter(&ws[i], eps[i], 8, 300);
    trigger(trigger_fd);
    for (int i = 0; i < n; i++)
        if (has_waiter[i]) join_waiter(&ws[i]);
    for (int i = 0; i < n; i++) {
        if (has_waiter[i]) FACT("%s: thread on E%d got: %s", name, i + 1, ws[i].got);
        FACT("%s: afterwards E%d has queued: %s", name, i + 1, w(eps[i]));
    }
    for (int i = 0; i < n; i++) close(eps[i]);
}

static void write1(int fd) { efd_write(fd, 1); }
static char big[100000];
static void write_big(int fd) { if (write(fd, big, sizeof big) != (ssize_t)sizeof big) { perror("write"); exit(1); } }
static void close_fd(int fd) { close(fd); }
static void write_byte(int fd) { wr(fd, "x", 1); }

static void wakeups(void) {
    int e = efd(0, EFD_NONBLOCK);
    {
        uint32_t ev[3] = {X | EPOLLIN, X | EPOLLIN, X | EPOLLIN}; int hw[3] = {1, 1, 1};
        scenario("three instances EXCLUSIVE|IN (LT), a thread on each, write", 3, e, ev, hw, write1, e);
    }
    efd_read(e);
    {
        uint32_t ev[3] = {X | EPOLLIN, X | EPOLLIN, X | EPOLLIN}; int hw[3] = {0, 1, 1};
        scenario("three instances EXCLUSIVE|IN (LT), threads on E2 and E3, write", 3, e, ev, hw, write1, e);
    }
    efd_read(e);
    {
        uint32_t ev[3] = {X | EPOLLIN | EPOLLET, X | EPOLLIN | EPOLLET, EPOLLIN | EPOLLET}; int hw[3] = {1, 1, 1};
        scenario("E1, E2 EXCLUSIVE|IN|ET, E3 plain IN|ET, a thread on each, write", 3, e, ev, hw, write1, e);
    }
    efd_read(e);
    {
        uint32_t ev[3] = {X | EPOLLIN, X | EPOLLIN, X | EPOLLIN}; int hw[3] = {0, 0, 0};
        scenario("three instances EXCLUSIVE|IN, no threads, write", 3, e, ev, hw, write1, e);
    }
    close(e);
    /* Hang-up: a wake-all. */
    int p[2]; pipe2(p, O_NONBLOCK);
    {
        uint32_t ev[3] = {X | EPOLLIN, X | EPOLLIN, X | EPOLLIN}; int hw[3] = {1, 1, 1};
        scenario("pipe read end in three instances EXCLUSIVE|IN, a thread on each, write end closed", 3, p[0], ev, hw, close_fd, p[1]);
    }
    close(p[0]);
    /* A wakeup whose key does not match the interest does not count: socket s1 (not writable,
     * no data) EXCLUSIVE|OUT in E1, EXCLUSIVE|IN in E2; the peer writes (key IN). */
    int sv[2]; sock(sv, 1);
    char buf[4096] = {0}; while (write(sv[1], buf, sizeof buf) > 0) {}
    {
        uint32_t ev[2] = {X | EPOLLOUT, X | EPOLLIN}; int hw[2] = {1, 1};
        scenario("socket EXCLUSIVE|OUT in E1, EXCLUSIVE|IN in E2, a thread on each, peer writes", 2, sv[1], ev, hw, write_byte, sv[0]);
    }
    close(sv[0]); close(sv[1]);
    /* A socket write of several skbs (100000 bytes: 3) is one wakeup per skb. */
    sock(sv, 1);
    {
        uint32_t ev[2] = {X | EPOLLIN, X | EPOLLIN}; int hw[2] = {1, 1};
        scenario("socket EXCLUSIVE|IN in E1 and E2, a thread on each, peer writes 1 byte", 2, sv[1], ev, hw, write_byte, sv[0]);
    }
    close(sv[0]); close(sv[1]);
    sock(sv, 1);
    {
        uint32_t ev[2] = {X | EPOLLIN, X | EPOLLIN}; int hw[2] = {1, 1};
        scenario("socket EXCLUSIVE|IN in E1 and E2, a thread on each, peer writes 100000 bytes", 2, sv[1], ev, hw, write_big, sv[0]);
    }
    close(sv[0]); close(sv[1]);
    /* Two exclusive interests (fd and its dup) in one instance with a thread blocked. */
    e = efd(0, EFD_NONBLOCK);
    int d = dup(e);
    int ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, e, X | EPOLLIN | EPOLLET, "e_x");
    ctl(ep, EPOLL_CTL_ADD, d, X | EPOLLIN | EPOLLET, "d_x");
    struct waiter ws[1];
    start_waiter(&ws[0], ep, 8, 300);
    efd_write(e, 1);
    join_waiter(&ws[0]);
    FACT("one instance, fd and dup both EXCLUSIVE|IN|ET, a thread blocked, write: thread got: %s", ws[0].got);
    FACT("one instance, fd and dup both EXCLUSIVE|IN|ET: afterwards queued: %s", w(ep));
    close(e); close(d); close(ep);
}

int main(void) {
    one_cpu();
    validation();
    wakeups();
    return 0;
}
