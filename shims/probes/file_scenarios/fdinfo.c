/* Native version of programs/files/fdinfo.mir. The numbers that name a machine's inodes, mounts
 * and devices (after "mnt_id:", "ino:", "sdev:", "eventfd-id:") are printed as N by both. */
#include "scen.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

/* Prints the bytes, the value after each machine-specific key masked as N — or, with `all`,
 * every run of digits. */
static void masked(const char *b, long n, int all) {
    int mask = 0, shown = 0;
    for (long i = 0; i < n; i++) {
        char c = b[i];
        if (all && c >= '0' && c <= '9') { if (!shown) putchar('N'); shown = 1; continue; }
        if (all) { shown = 0; putchar(c); continue; }
        if (c == ':' && i >= 3 && (!strncmp(b + i - 3, "ino", 3) || !strncmp(b + i - 3, "_id", 3) || !strncmp(b + i - 3, "dev", 3) || !strncmp(b + i - 3, "-id", 3))) {
            putchar(c); mask = 1; shown = 0; continue;
        }
        int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        if (mask && alnum) { if (!shown) putchar('N'); shown = 1; continue; }
        if (mask && shown) mask = 0;
        putchar(c);
    }
}
static void info(const char *what, int fd) {
    char path[64], b[4096];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    int f = open(path, O_RDONLY);
    long n = read(f, b, sizeof b);
    printf("== %s\n", what);
    masked(b, n, 0);
    close(f);
}
static void fdlink(const char *what, int fd) {
    char path[64], b[128];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    errno = 0;
    long n = readlink(path, b, sizeof b);
    printf("readlink %s: ", what);
    if (n < 0) { show(n); return; }
    masked(b, n, 1);
    /* The length, unless it counts a machine's inode number. */
    if (memchr(b, '[', n) && b[n - 2] >= '0' && b[n - 2] <= '9') printf("\n");
    else printf(" (%ld)\n", n);
}

int main(void) {
    init();
    int p[2];
    pipe2(p, O_NONBLOCK);
    write(p[1], "hello", 5);
    int e = eventfd(5, EFD_SEMAPHORE | EFD_CLOEXEC);
    int ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN | EPOLLET, {.u64 = 0x1234}};
    epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
    int t = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {{0, 0}, {1, 0}};
    timerfd_settime(t, TFD_TIMER_ABSTIME, &its, NULL);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int f = open("zz", O_RDWR | O_CREAT | O_APPEND, 0600);
    write(f, "abc", 3);
    info("pipe read end", p[0]);
    info("pipe write end", p[1]);
    info("eventfd", e);
    info("epoll", ep);
    info("timerfd", t);
    info("socket", sv[0]);
    info("file", f);
    lab("open fdinfo of a closed fd"); show(open("/proc/self/fdinfo/99", O_RDONLY));
    fdlink("pipe", p[0]);
    fdlink("eventfd", e);
    fdlink("epoll", ep);
    fdlink("timerfd", t);
    fdlink("socket", sv[0]);
    fdlink("/dev/null", open("/dev/null", O_RDONLY));
    char b[8];
    lab("readlink pipe into 4 bytes"); show(readlink("/proc/self/fd/3", b, 4));
    lab("readlink a closed fd"); show(readlink("/proc/self/fd/99", b, 8));
    lab("readlink /dev/null"); show(readlink("/dev/null", b, 8));
    return 0;
}
