/* Helpers for the native twins of the programs in programs/epoll/. Each twin prints exactly the
 * lines its guest program prints, so that `diff` compares Linux with Spindle line by line:
 *   <label>: <result>     result = the return value, or "-1 <ERRNO NAME>"
 *   <label>: [data:BITS, ...]   the events an epoll_wait delivered, in order
 * The guest helpers (show, bits, evs, ew, w0, ctl, w, rd, wv, rv, cl, now_ms) are at the end of
 * every program in programs/epoll; these are the same functions in C. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* show(r): r, or "-1 ERRNAME". */
static void show(long r) {
    int e = errno;
    if (r >= 0) {
        printf("%ld\n", r);
    } else {
        const char *n = NULL;
        switch (e) {
        case EPERM: n = "EPERM"; break;
        case ENOENT: n = "ENOENT"; break;
        case EBADF: n = "EBADF"; break;
        case EAGAIN: n = "EAGAIN"; break;
        case EFAULT: n = "EFAULT"; break;
        case EEXIST: n = "EEXIST"; break;
        case EINVAL: n = "EINVAL"; break;
        case EPIPE: n = "EPIPE"; break;
        case ELOOP: n = "ELOOP"; break;
        }
        if (n) printf("-1 %s\n", n);
        else printf("-1 errno %d\n", e);
    }
    fflush(stdout);
}

/* bits(m): the event bits by name, lowest first, "|"-separated ("0" for none). */
static void bits(uint32_t m) {
    static const char *names[32] = {
        [0] = "IN", [1] = "PRI", [2] = "OUT", [3] = "ERR", [4] = "HUP", [6] = "RDNORM",
        [7] = "RDBAND", [8] = "WRNORM", [9] = "WRBAND", [10] = "MSG", [13] = "RDHUP",
    };
    if (m == 0) { printf("0"); return; }
    int first = 1;
    for (int k = 0; k < 32; k++) {
        if (!(m & (1u << k))) continue;
        if (!first) printf("|");
        first = 0;
        if (names[k]) printf("%s", names[k]);
        else printf("bit%d", k);
    }
}

/* evs(buf, n): "[data:BITS, ...]". */
static void evs(struct epoll_event *buf, long n) {
    printf("[");
    for (long i = 0; i < n; i++) {
        if (i) printf(", ");
        printf("%llu:", (unsigned long long)buf[i].data.u64);
        bits(buf[i].events);
    }
    printf("]\n");
    fflush(stdout);
}

/* ew(ep, max, timeout): epoll_wait into a 64-event buffer, shown. */
static long ew(int ep, int max, int timeout) {
    struct epoll_event buf[64];
    errno = 0;
    long n = epoll_wait(ep, buf, max, timeout);
    if (n < 0) show(n);
    else evs(buf, n);
    return n;
}
static long w0(int ep) { return ew(ep, 8, 0); }

/* ctl(ep, op, fd, events, data), shown. */
static long ctl(int ep, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev = {.events = events, .data.u64 = data};
    errno = 0;
    long r = epoll_ctl(ep, op, fd, &ev);
    show(r);
    return r;
}

static long w(int fd, const void *buf, long n) {
    errno = 0;
    long r = write(fd, buf, n);
    show(r);
    return r;
}
static long rd(int fd, long n) {
    char b[4096];
    errno = 0;
    long r = read(fd, b, n);
    show(r);
    return r;
}
static long wv(int fd, uint64_t v) {
    errno = 0;
    long r = write(fd, &v, 8);
    show(r);
    return r;
}
static long rv(int fd) {
    uint64_t v = 0;
    errno = 0;
    long r = read(fd, &v, 8);
    if (r > 0) { printf("%ld value=%llu\n", r, (unsigned long long)v); fflush(stdout); }
    else show(r);
    return r;
}
static long cl(int fd) {
    errno = 0;
    long r = close(fd);
    show(r);
    return r;
}
static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "label: " (the guest's `print "label: "`). */
static void lab(const char *l) { printf("%s: ", l); fflush(stdout); }
static void say(const char *line) { printf("%s\n", line); fflush(stdout); }
static void msleep(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

/* A buffer of `len` bytes followed by an unmapped page (a Spindle allocation of `len` bytes). */
static void *guarded(size_t len) {
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p + 4096, 4096);
    return p + 4096 - len;
}

/* A clean start, as a guest has: only fds 0-2, RLIMIT_NOFILE 20000, SIGPIPE ignored, and the
 * whole process on one CPU, so that a thread woken by an event runs only after the waker's
 * system call has run all its wakeup callbacks (as in Spindle, where a woken thread collects
 * its events when the waking call is over). */
static void init(void) {
    syscall(SYS_close_range, 3, ~0U, 0);
    struct rlimit rl = {20000, 20000};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) perror("setrlimit");
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(0, &s);
    sched_setaffinity(0, sizeof s, &s);
}

/* Threads. Spindle's fixed scheduler runs a thread until it blocks, yields or ends; the twins
 * force the same order with msleep (where the guest sleeps) and the output lock. */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static void lock(void) { pthread_mutex_lock(&out_lock); }
static void unlock(void) { pthread_mutex_unlock(&out_lock); }
static pthread_t spawn(void *(*f)(void *), long arg) {
    pthread_t t;
    pthread_create(&t, NULL, f, (void *)arg);
    return t;
}
static long join(pthread_t t) {
    void *r;
    pthread_join(t, &r);
    return (long)r;
}
/* True if thread t is still running after ms milliseconds (blocked, in these scenarios). */
static int still_running(pthread_t t, int ms) {
    msleep(ms);
    return pthread_tryjoin_np(t, NULL) != 0;
}

/* Socket pairs and pipes into a static int[2]. */
static void sock(int sv[2], int type_flags) {
    if (socketpair(AF_UNIX, SOCK_STREAM | type_flags, 0, sv) < 0) { perror("socketpair"); exit(1); }
}

/* Results of waits made by other threads, printed by main after a join (rec/got). */
static struct epoll_event RESULTS[8][16];
static long COUNTS[8];
static long rec(int slot, int ep, int max, int timeout) {
    long n = epoll_wait(ep, RESULTS[slot], max, timeout);
    COUNTS[slot] = n < 0 ? -errno : n;
    return n;
}
static void got(int slot) {
    if (COUNTS[slot] < 0) { errno = -COUNTS[slot]; show(-1); }
    else evs(RESULTS[slot], COUNTS[slot]);
}
