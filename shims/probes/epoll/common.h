/* Shared helpers for the epoll probes (shims/probes/epoll/). Each probe prints one fact per line:
 *   <fact>: <value>
 * so that README.md and the unit tests in shims/src/epoll/ can quote the value verbatim.
 *
 * Interests are registered with data = a small label index; waits print the delivered events
 * as "[label:BITS, ...]" in delivery order ("[]" when nothing), or the errno name. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *errname(int e) {
    switch (e) {
    case 0: return "OK";
    case EAGAIN: return "EAGAIN";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case ELOOP: return "ELOOP";
    case EPERM: return "EPERM";
    case EFAULT: return "EFAULT";
    case EPIPE: return "EPIPE";
    case EINTR: return "EINTR";
    case ENOSPC: return "ENOSPC";
    case ENOMEM: return "ENOMEM";
    default: return strerror(e);
    }
}

#define FACT(...) do { printf(__VA_ARGS__); printf("\n"); fflush(stdout); } while (0)

/* "0" (or the value) on success, the errno name on failure. */
static const char *res(long r) {
    static char bufs[16][64];
    static int i;
    char *b = bufs[i++ % 16];
    if (r < 0)
        snprintf(b, 64, "%s", errname(errno));
    else
        snprintf(b, 64, "%ld", r);
    return b;
}

static void bits(char *b, size_t n, uint32_t e) {
    static const struct { uint32_t bit; const char *name; } names[] = {
        {EPOLLIN, "IN"}, {EPOLLPRI, "PRI"}, {EPOLLOUT, "OUT"}, {EPOLLERR, "ERR"},
        {EPOLLHUP, "HUP"}, {EPOLLRDNORM, "RDNORM"}, {EPOLLRDBAND, "RDBAND"},
        {EPOLLWRNORM, "WRNORM"}, {EPOLLWRBAND, "WRBAND"}, {EPOLLMSG, "MSG"},
        {EPOLLRDHUP, "RDHUP"},
    };
    b[0] = 0;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (e & names[k].bit) {
            if (b[0]) strncat(b, "|", n - strlen(b) - 1);
            strncat(b, names[k].name, n - strlen(b) - 1);
            e &= ~names[k].bit;
        }
    }
    if (e) snprintf(b + strlen(b), n - strlen(b), "%s0x%x", b[0] ? "|" : "", e);
    if (!b[0]) strcpy(b, "0");
}

/* Labels: data values index this table. */
static const char *labels[64];
static int nlabels;
static uint64_t label(const char *name) {
    for (int i = 0; i < nlabels; i++)
        if (!strcmp(labels[i], name)) return i;
    labels[nlabels] = name;
    return nlabels++;
}

static void fmt_events(char *b, size_t n, struct epoll_event *evs, int k) {
    strcpy(b, "[");
    for (int i = 0; i < k; i++) {
        char m[128];
        bits(m, sizeof m, evs[i].events);
        uint64_t d = evs[i].data.u64;
        char one[192];
        if (d < (uint64_t)nlabels)
            snprintf(one, sizeof one, "%s%s:%s", i ? ", " : "", labels[d], m);
        else
            snprintf(one, sizeof one, "%s%llu:%s", i ? ", " : "", (unsigned long long)d, m);
        strncat(b, one, n - strlen(b) - 1);
    }
    strncat(b, "]", n - strlen(b) - 1);
}

/* epoll_wait(ep, _, max, timeout) rendered as "[a:IN, b:OUT]", "[]" or the errno name. */
static const char *waitv(int ep, int max, int timeout) {
    static char bufs[8][1024];
    static int i;
    char *b = bufs[i++ % 8];
    struct epoll_event evs[64];
    int k = epoll_wait(ep, evs, max, timeout);
    if (k < 0) {
        snprintf(b, 1024, "%s", errname(errno));
        return b;
    }
    fmt_events(b, 1024, evs, k);
    return b;
}
/* The usual non-blocking check: room for 8 events, timeout 0. */
static const char *w(int ep) { return waitv(ep, 8, 0); }

/* epoll_ctl with a label as data. */
static int ctl(int ep, int op, int fd, uint32_t events, const char *name) {
    struct epoll_event ev = {.events = events, .data.u64 = name ? label(name) : 0};
    return epoll_ctl(ep, op, fd, &ev);
}
static const char *ctlr(int ep, int op, int fd, uint32_t events, const char *name) {
    return res(ctl(ep, op, fd, events, name));
}

static void wr(int fd, const void *p, size_t n) {
    if (write(fd, p, n) != (ssize_t)n) { perror("write"); exit(1); }
}
static void efd_write(int fd, uint64_t v) { wr(fd, &v, 8); }
static uint64_t efd_read(int fd) {
    uint64_t v;
    if (read(fd, &v, 8) != 8) { perror("read"); exit(1); }
    return v;
}
static ssize_t rd(int fd, size_t n) {
    char buf[1 << 17];
    return read(fd, buf, n);
}

static void msleep(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Pin the whole process to one CPU so that threads woken by one event only run after the
 * waker's system call has finished all its wakeup callbacks (as in Spindle, where a woken
 * thread harvests after the event has been fully processed). */
static void one_cpu(void) {
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(0, &s);
    sched_setaffinity(0, sizeof s, &s);
}

static void sock(int sv[2], int nonblock) {
    if (socketpair(AF_UNIX, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0, sv) < 0) { perror("socketpair"); exit(1); }
}
static int efd(unsigned init, int flags) { return eventfd(init, flags); }

/* Threads blocked in epoll_wait, started one after the other (20 ms apart, so they queue in
 * that order), each recording what its single epoll_wait returned. */
struct waiter {
    int ep, max, timeout;
    pthread_t t;
    char got[1024];
};
static void *waiter_main(void *arg) {
    struct waiter *wt = arg;
    strcpy(wt->got, waitv(wt->ep, wt->max, wt->timeout));
    return NULL;
}
static void start_waiter(struct waiter *wt, int ep, int max, int timeout) {
    wt->ep = ep; wt->max = max; wt->timeout = timeout; wt->got[0] = 0;
    pthread_create(&wt->t, NULL, waiter_main, wt);
    msleep(20);
}
static void join_waiter(struct waiter *wt) { pthread_join(wt->t, NULL); }

/* Results of threads whose relative order is the scheduler's choice, sorted. */
static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static const char *sorted(struct waiter *ws, int n) {
    static char buf[4096];
    const char *p[16];
    for (int i = 0; i < n; i++) p[i] = ws[i].got;
    qsort(p, n, sizeof p[0], cmpstr);
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        if (i) strcat(buf, " + ");
        strcat(buf, p[i]);
    }
    return buf;
}
