/* Errors of epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait and epoll_pwait2,
 * and the order in which Linux checks them: each line combines two or more faults and prints
 * the errno that wins. Pointers: BAD = an unmapped user address (mmap'd then munmap'd),
 * KERNEL = an address outside user space, NULL. */
#include "common.h"

static struct epoll_event *BAD;
#define KERNEL ((struct epoll_event *)0xffff888000000000UL)
static struct epoll_event EV = {.events = EPOLLIN, .data.u64 = 0};

static long sys_pwait(int ep, struct epoll_event *evs, int max, int timeout, const void *mask, size_t sz) {
    return syscall(SYS_epoll_pwait, ep, evs, max, timeout, mask, sz);
}
static long sys_pwait2(int ep, struct epoll_event *evs, int max, const void *ts, const void *mask, size_t sz) {
    return syscall(SYS_epoll_pwait2, ep, evs, max, ts, mask, sz);
}

static void create(void) {
    FACT("epoll_create(1): %s", epoll_create(1) >= 0 ? "ok" : errname(errno));
    FACT("epoll_create(0): %s", res(epoll_create(0)));
    FACT("epoll_create(-1): %s", res(epoll_create(-1)));
    FACT("epoll_create(INT_MAX): %s", epoll_create(0x7fffffff) >= 0 ? "ok" : errname(errno));
    int c = epoll_create1(EPOLL_CLOEXEC);
    FACT("epoll_create1(EPOLL_CLOEXEC): %s, FD_CLOEXEC %s", c >= 0 ? "ok" : errname(errno), (fcntl(c, F_GETFD) & FD_CLOEXEC) ? "set" : "clear");
    int n = epoll_create1(0);
    FACT("epoll_create1(0): FD_CLOEXEC %s, F_GETFL 0x%x", (fcntl(n, F_GETFD) & FD_CLOEXEC) ? "set" : "clear", fcntl(n, F_GETFL));
    FACT("epoll_create1(1): %s", res(epoll_create1(1)));
    FACT("epoll_create1(O_NONBLOCK): %s", res(epoll_create1(O_NONBLOCK)));
    FACT("epoll_create1(EPOLL_CLOEXEC|1): %s", res(epoll_create1(EPOLL_CLOEXEC | 1)));
    char buf[8];
    FACT("read on an epoll fd: %s", res(read(n, buf, 8)));
    FACT("write on an epoll fd: %s", res(write(n, buf, 8)));
    close(c); close(n);
}

static void ctl_order(void) {
    int ep = epoll_create1(0), e = efd(0, 0), e2 = efd(0, 0);
    char path[] = "/tmp/epoll_probe_XXXXXX";
    int file = mkstemp(path); unlink(path);
    int closed = efd(0, 0); close(closed);
    FACT("ctl ADD, bad event pointer, closed epfd: %s", res(epoll_ctl(closed, EPOLL_CTL_ADD, e, BAD)));
    FACT("ctl MOD, bad event pointer, closed epfd: %s", res(epoll_ctl(closed, EPOLL_CTL_MOD, e, BAD)));
    FACT("ctl op 99, bad event pointer, closed epfd: %s", res(epoll_ctl(closed, 99, e, BAD)));
    FACT("ctl op 0, bad event pointer, closed epfd: %s", res(epoll_ctl(closed, 0, e, BAD)));
    FACT("ctl DEL, bad event pointer, closed epfd: %s", res(epoll_ctl(closed, EPOLL_CTL_DEL, e, BAD)));
    FACT("ctl ADD, NULL event pointer: %s", res(epoll_ctl(ep, EPOLL_CTL_ADD, e, NULL)));
    FACT("ctl DEL, NULL event pointer, registered: %s", (epoll_ctl(ep, EPOLL_CTL_ADD, e, &EV), res(epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL))));
    FACT("ctl ADD, KERNEL event pointer: %s", res(epoll_ctl(ep, EPOLL_CTL_ADD, e, KERNEL)));
    FACT("ctl ADD, closed epfd, closed fd: %s", res(epoll_ctl(closed, EPOLL_CTL_ADD, closed, &EV)));
    FACT("ctl ADD, epfd -1: %s", res(epoll_ctl(-1, EPOLL_CTL_ADD, e, &EV)));
    FACT("ctl ADD, closed epfd, regular file: %s", res(epoll_ctl(closed, EPOLL_CTL_ADD, file, &EV)));
    FACT("ctl ADD, epoll, closed fd: %s", res(epoll_ctl(ep, EPOLL_CTL_ADD, closed, &EV)));
    FACT("ctl ADD, epoll, fd -1: %s", res(epoll_ctl(ep, EPOLL_CTL_ADD, -1, &EV)));
    FACT("ctl ADD, eventfd as epfd, closed fd: %s", res(epoll_ctl(e, EPOLL_CTL_ADD, closed, &EV)));
    FACT("ctl ADD, epoll, regular file: %s", res(epoll_ctl(ep, EPOLL_CTL_ADD, file, &EV)));
    FACT("ctl DEL, epoll, regular file: %s", res(epoll_ctl(ep, EPOLL_CTL_DEL, file, NULL)));
    FACT("ctl op 99, epoll, regular file: %s", res(epoll_ctl(ep, 99, file, &EV)));
    FACT("ctl ADD, eventfd as epfd, regular file: %s", res(epoll_ctl(e, EPOLL_CTL_ADD, file, &EV)));
    FACT("ctl ADD, regular file as epfd, regular file: %s", res(epoll_ctl(file, EPOLL_CTL_ADD, file, &EV)));
    FACT("ctl ADD, regular file as epfd, eventfd: %s", res(epoll_ctl(file, EPOLL_CTL_ADD, e, &EV)));
    FACT("ctl ADD, eventfd as epfd, eventfd: %s", res(epoll_ctl(e, EPOLL_CTL_ADD, e2, &EV)));
    FACT("ctl ADD, eventfd as epfd, itself: %s", res(epoll_ctl(e, EPOLL_CTL_ADD, e, &EV)));
    FACT("ctl ADD, regular file as epfd, itself: %s", res(epoll_ctl(file, EPOLL_CTL_ADD, file, &EV)));
    FACT("ctl ADD, epoll, itself: %s", res(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &EV)));
    FACT("ctl op 99, epoll, itself: %s", res(epoll_ctl(ep, 99, ep, &EV)));
    FACT("ctl op 99, eventfd as epfd, eventfd: %s", res(epoll_ctl(e, 99, e2, &EV)));
    struct epoll_event xr = {.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP};
    FACT("ctl ADD EXCLUSIVE|RDHUP, eventfd as epfd: %s", res(epoll_ctl(e, EPOLL_CTL_ADD, e2, &xr)));
    FACT("ctl ADD EXCLUSIVE|RDHUP, epoll, regular file: %s", res(epoll_ctl(ep, EPOLL_CTL_ADD, file, &xr)));
    FACT("ctl MOD, not registered: %s", res(epoll_ctl(ep, EPOLL_CTL_MOD, e, &EV)));
    FACT("ctl DEL, not registered: %s", res(epoll_ctl(ep, EPOLL_CTL_DEL, e, &EV)));
    FACT("ctl op 99, not registered: %s", res(epoll_ctl(ep, 99, e, &EV)));
    FACT("ctl op -1, not registered: %s", res(epoll_ctl(ep, -1, e, &EV)));
    FACT("ctl op 0, not registered: %s", res(epoll_ctl(ep, 0, e, &EV)));
    epoll_ctl(ep, EPOLL_CTL_ADD, e, &EV);
    FACT("ctl op 99, registered: %s", res(epoll_ctl(ep, 99, e, &EV)));
    FACT("ctl op 4, registered: %s", res(epoll_ctl(ep, 4, e, &EV)));
    FACT("ctl MOD, registered, bad event pointer: %s", res(epoll_ctl(ep, EPOLL_CTL_MOD, e, BAD)));
    FACT("ctl ADD, registered: %s", res(epoll_ctl(ep, EPOLL_CTL_ADD, e, &EV)));
    struct epoll_event ev;
    ev.events = 1u << 27; FACT("ctl MOD events 1<<27 (unknown bit): %s", res(epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev)));
    ev.events = 0xefffffff; FACT("ctl MOD events 0xefffffff (all but EXCLUSIVE): %s", res(epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev)));
    ev.events = 0xffffffff; FACT("ctl MOD events 0xffffffff: %s", res(epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev)));
    ev.events = EPOLLIN | EPOLLWAKEUP; FACT("ctl MOD IN|WAKEUP: %s", res(epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev)));
    ev.events = 0; FACT("ctl MOD events 0: %s", res(epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev)));
    close(ep); close(e); close(e2); close(file);
}

/* Opaque to the compiler, so that it does not warn about the deliberate misuse. */
static struct epoll_event *volatile NUL = NULL;
static volatile int MINUS1 = -1, INTMIN = (int)0x80000000u, ZERO = 0;

static void wait_order(void) {
    int ep = epoll_create1(0), e = efd(0, 0);
    int closed = efd(0, 0); close(closed);
    struct epoll_event evs[4];
    FACT("wait maxevents 0, closed epfd, KERNEL buffer: %s", res(epoll_wait(closed, KERNEL, ZERO, 0)));
    FACT("wait maxevents -1: %s", res(epoll_wait(ep, evs, MINUS1, 0)));
    FACT("wait maxevents INT_MIN: %s", res(epoll_wait(ep, evs, INTMIN, 0)));
    FACT("wait maxevents INT_MAX/12 = 178956970, NULL buffer, nothing ready: %s", res(epoll_wait(ep, NUL, 178956970, 0)));
    FACT("wait maxevents 178956971: %s", res(epoll_wait(ep, NUL, 178956971, 0)));
    FACT("wait KERNEL buffer, closed epfd: %s", res(epoll_wait(closed, KERNEL, 1, 0)));
    FACT("wait buffer ending past user space, closed epfd: %s", res(epoll_wait(closed, (struct epoll_event *)0x7ffffffff000UL - 1, 2, 0)));
    FACT("wait BAD buffer, closed epfd: %s", res(epoll_wait(closed, BAD, 1, 0)));
    FACT("wait closed epfd: %s", res(epoll_wait(closed, evs, 1, 0)));
    FACT("wait maxevents 0, KERNEL buffer: %s", res(epoll_wait(ep, KERNEL, ZERO, 0)));
    FACT("wait KERNEL buffer: %s", res(epoll_wait(ep, KERNEL, 1, 0)));
    FACT("wait buffer ending past user space: %s", res(epoll_wait(ep, (struct epoll_event *)0x7ffffffff000UL - 1, 2, 0)));
    FACT("wait buffer ending exactly at the end of user space: %s", res(epoll_wait(ep, (struct epoll_event *)0x7ffffffff000UL - 1, 1, 0)));
    FACT("wait eventfd as epfd, KERNEL buffer: %s", res(epoll_wait(e, KERNEL, 1, 0)));
    FACT("wait eventfd as epfd, maxevents -1: %s", res(epoll_wait(e, evs, MINUS1, 0)));
    FACT("wait epfd -1: %s", res(epoll_wait(-1, evs, 1, 0)));
    FACT("wait eventfd as epfd: %s", res(epoll_wait(e, evs, 1, 0)));
    FACT("wait eventfd as epfd, maxevents 0: %s", res(epoll_wait(e, evs, ZERO, 0)));
    FACT("wait NULL buffer, nothing ready: %s", res(epoll_wait(ep, NUL, 1, 0)));
    FACT("wait BAD buffer, nothing ready: %s", res(epoll_wait(ep, BAD, 1, 0)));
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLOUT | EPOLLET, "e");
    FACT("wait NULL buffer, one ET event ready: %s", res(epoll_wait(ep, NUL, 1, 0)));
    FACT("wait BAD buffer, one ET event ready: %s", res(epoll_wait(ep, BAD, 1, 0)));
    FACT("then a good wait into a good buffer: %s", w(ep));
    /* A buffer whose second slot is on a PROT_NONE page. */
    char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(pages + 4096, 4096, PROT_NONE);
    struct epoll_event *edge = (struct epoll_event *)(pages + 4096 - sizeof(struct epoll_event));
    int a = efd(0, 0), b = efd(0, 0), c = efd(0, 0);
    int ep2 = epoll_create1(0);
    ctl(ep2, EPOLL_CTL_ADD, a, EPOLLOUT | EPOLLET, "a");
    ctl(ep2, EPOLL_CTL_ADD, b, EPOLLOUT | EPOLLONESHOT, "b");
    ctl(ep2, EPOLL_CTL_ADD, c, EPOLLOUT | EPOLLET, "c");
    int n = epoll_wait(ep2, edge, 3, 0);
    char buf[256]; fmt_events(buf, sizeof buf, edge, n > 0 ? n : 0);
    FACT("wait a, b(ONESHOT), c ready into a buffer whose 2nd slot faults: %s %s", res(n), buf);
    FACT("then a wait into a good buffer: %s", w(ep2));
    FACT("and again: %s", w(ep2));
    close(a); close(b); close(c); close(ep2);
    close(ep); close(e);
}

static void pwait(void) {
    int ep = epoll_create1(0), e = efd(1, 0);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, "e");
    int closed = efd(0, 0); close(closed);
    struct epoll_event evs[4];
    uint64_t mask = 0;
    struct timespec ts0 = {0, 0}, neg = {-1, 0}, big_ns = {0, 1000000000}, max_ns = {0, 999999999}, neg_ns = {0, -1};
    FACT("pwait sigsetsize 8, ready: %s", res(sys_pwait(ep, evs, 4, 0, &mask, 8)));
    FACT("pwait sigsetsize 7: %s", res(sys_pwait(ep, evs, 4, 0, &mask, 7)));
    FACT("pwait sigsetsize 16: %s", res(sys_pwait(ep, evs, 4, 0, &mask, 16)));
    FACT("pwait NULL mask, sigsetsize 7: %s", res(sys_pwait(ep, evs, 4, 0, NULL, 7)));
    FACT("pwait sigsetsize 7, maxevents 0, closed epfd: %s", res(sys_pwait(closed, evs, 0, 0, &mask, 7)));
    FACT("pwait BAD mask, maxevents 0: %s", res(sys_pwait(ep, evs, 0, 0, BAD, 8)));
    FACT("pwait BAD mask, sigsetsize 7: %s", res(sys_pwait(ep, evs, 1, 0, BAD, 7)));
    FACT("pwait2 timeout {0,0}, ready: %s", res(sys_pwait2(ep, evs, 4, &ts0, NULL, 0)));
    FACT("pwait2 NULL timeout, ready: %s", res(sys_pwait2(ep, evs, 4, NULL, NULL, 0)));
    FACT("pwait2 timeout {-1,0}: %s", res(sys_pwait2(ep, evs, 4, &neg, NULL, 0)));
    FACT("pwait2 timeout {0,1000000000}: %s", res(sys_pwait2(ep, evs, 4, &big_ns, NULL, 0)));
    FACT("pwait2 timeout {0,-1}: %s", res(sys_pwait2(ep, evs, 4, &neg_ns, NULL, 0)));
    FACT("pwait2 timeout {0,999999999}, ready: %s", res(sys_pwait2(ep, evs, 4, &max_ns, NULL, 0)));
    FACT("pwait2 BAD timeout, maxevents 0, closed epfd, sigsetsize 7: %s", res(sys_pwait2(closed, evs, 0, BAD, &mask, 7)));
    FACT("pwait2 timeout {-1,0}, sigsetsize 7: %s", res(sys_pwait2(ep, evs, 4, &neg, &mask, 7)));
    FACT("pwait2 timeout {-1,0}, maxevents 0: %s", res(sys_pwait2(ep, evs, 0, &neg, NULL, 0)));
    FACT("pwait2 sigsetsize 7, closed epfd: %s", res(sys_pwait2(closed, evs, 4, &ts0, &mask, 7)));
    FACT("pwait2 BAD mask, closed epfd: %s", res(sys_pwait2(closed, evs, 4, &ts0, BAD, 8)));
    close(ep); close(e);
}

static int g_e;
static void *late_writer(void *arg) { (void)arg; msleep(50); efd_write(g_e, 1); return NULL; }

static void timeouts(void) {
    int timeouts[] = {-1, -2, -1000, (int)0x80000000u};
    for (int i = 0; i < 4; i++) {
        int ep = epoll_create1(0); g_e = efd(0, 0);
        ctl(ep, EPOLL_CTL_ADD, g_e, EPOLLIN, "e");
        pthread_t t; pthread_create(&t, NULL, late_writer, NULL);
        long t0 = now_ms();
        const char *r = waitv(ep, 4, timeouts[i]);
        FACT("wait timeout %d, a write after 50 ms: %s after >= 40 ms: %s", timeouts[i], r, now_ms() - t0 >= 40 ? "yes" : "no");
        pthread_join(t, NULL);
        close(g_e); close(ep);
    }
    int ep = epoll_create1(0);
    long t0 = now_ms();
    const char *r = waitv(ep, 4, 30);
    FACT("wait timeout 30, nothing: %s after >= 30 ms: %s", r, now_ms() - t0 >= 30 ? "yes" : "no");
    close(ep);
}

int main(void) {
    BAD = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(BAD, 4096);
    create(); ctl_order(); wait_order(); pwait(); timeouts();
    return 0;
}
