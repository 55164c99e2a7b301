/* Helpers for the native versions of the programs in programs/fds/. Each scenario prints exactly the lines
 * its guest program prints, so that `diff` compares Linux with Spindle line by line:
 *   <label>: <result>        result = the return value, or "-1 <ERRNO NAME>"
 * SIGPIPE is ignored (as the guest programs ignore it with signal(SIGPIPE, SIG_IGN)). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show_(const char *label, long r, int e) {
    if (r < 0)
        printf("%s: -1 %s\n", label, strerrorname_np(e));
    else
        printf("%s: %ld\n", label, r);
    fflush(stdout);
}

/* Evaluates expr once, then prints "label: result". */
#define SHOW(label, expr)                  \
    do {                                   \
        errno = 0;                         \
        long r_ = (long)(expr);            \
        show_(label, r_, errno);           \
    } while (0)

/* Prints "label: <n bytes of buf>" (the guest writes the bytes to fd 1). */
static void bytes(const char *label, const void *buf, long n) {
    printf("%s: ", label);
    if (n > 0) fwrite(buf, 1, n, stdout);
    printf("\n");
    fflush(stdout);
}

static void say(const char *line) {
    printf("%s\n", line);
    fflush(stdout);
}

static void msleep(int ms) { usleep(ms * 1000); }

/* A buffer of `len` bytes followed by an unmapped page: the native counterpart of a Spindle
 * allocation of `len` bytes (any byte past it faults). */
static char *guarded(size_t len) {
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p + 4096, 4096);
    return p + 4096 - len;
}

/* A clean fd table (only 0, 1, 2), as a guest starts with, whatever the caller left open, and
 * Spindle's open-files limit (RLIMIT_NOFILE 20000, spindle-fds DEFAULT_MAX_FDS). */
static void init(void) {
    syscall(SYS_close_range, 3, ~0U, 0);
    struct rlimit rl = {20000, 20000};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) perror("setrlimit");
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
}

/* "label: r 'bytes'" for a successful transfer of r > 0 bytes, else as SHOW. */
static void shown_(const char *label, long r, int e, const void *buf) {
    if (r > 0) {
        printf("%s: %ld '", label, r);
        fwrite(buf, 1, r, stdout);
        printf("'\n");
        fflush(stdout);
    } else {
        show_(label, r, e);
    }
}

/* The guest helpers w, rd, cl of programs/fds. */
static long w(const char *label, int fd, const void *buf, long n) {
    errno = 0;
    long r = write(fd, buf, n);
    show_(label, r, errno);
    return r;
}

static long rd(const char *label, int fd, void *buf, long n) {
    errno = 0;
    long r = read(fd, buf, n);
    shown_(label, r, errno, buf);
    return r;
}

static long cl(const char *label, int fd) {
    errno = 0;
    long r = close(fd);
    show_(label, r, errno);
    return r;
}

/* The guest helpers wv (write an 8-byte value) and rv (read one, "8 value=N"). */
static long wv(const char *label, int fd, uint64_t v) {
    errno = 0;
    long r = write(fd, &v, 8);
    show_(label, r, errno);
    return r;
}

static long rvn(const char *label, int fd, long n) {
    uint64_t b[2] = {0, 0};
    errno = 0;
    long r = read(fd, b, n);
    if (r > 0) {
        printf("%s: %ld value=%llu\n", label, r, (unsigned long long)b[0]);
        fflush(stdout);
    } else {
        show_(label, r, errno);
    }
    return r;
}

static long rv(const char *label, int fd) { return rvn(label, fd, 8); }

/* Threads. Spindle's fixed scheduler runs a thread until it blocks, yields or ends; the native
 * versions force the same order with the output lock (held by a thread across "operate and
 * print", where the guest runs without a switch) and with msleep(50) where the guest yields. */
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
