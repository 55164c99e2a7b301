/* Shared helpers for the spindle-fds probes. Each probe prints one line per fact:
 *   <fact>: <value>
 * so that the README and the unit tests can quote the value verbatim. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *errname(int e) {
    switch (e) {
    case 0: return "OK";
    case EAGAIN: return "EAGAIN";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EPIPE: return "EPIPE";
    case EMFILE: return "EMFILE";
    case ECONNRESET: return "ECONNRESET";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOTCONN: return "ENOTCONN";
    case EFAULT: return "EFAULT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ESPIPE: return "ESPIPE";
    default: return strerror(e);
    }
}

/* "ret=N" on success, "ERRNAME" on failure. */
static const char *res(long r) {
    static char bufs[8][64];
    static int i;
    char *b = bufs[i++ % 8];
    if (r < 0)
        snprintf(b, 64, "%s", errname(errno));
    else
        snprintf(b, 64, "%ld", r);
    return b;
}

/* Readiness as epoll reports it (level-triggered, every event requested, timeout 0). */
static const char *ready(int fd) {
    static char bufs[8][128];
    static int i;
    char *b = bufs[i++ % 8];
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI, .data.u64 = 0};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        snprintf(b, 128, "epoll_ctl:%s", errname(errno));
        close(ep);
        return b;
    }
    struct epoll_event out;
    int n = epoll_wait(ep, &out, 1, 0);
    close(ep);
    b[0] = 0;
    if (n == 0) {
        strcpy(b, "none");
        return b;
    }
    uint32_t e = out.events;
    if (e & EPOLLIN) strcat(b, "IN|");
    if (e & EPOLLOUT) strcat(b, "OUT|");
    if (e & EPOLLRDHUP) strcat(b, "RDHUP|");
    if (e & EPOLLHUP) strcat(b, "HUP|");
    if (e & EPOLLERR) strcat(b, "ERR|");
    if (e & EPOLLPRI) strcat(b, "PRI|");
    b[strlen(b) - 1] = 0;
    /* Cross-check with poll(): the same bits must come out. */
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP | POLLPRI};
    poll(&p, 1, 0);
    uint32_t pe = 0;
    if (p.revents & POLLIN) pe |= EPOLLIN;
    if (p.revents & POLLOUT) pe |= EPOLLOUT;
    if (p.revents & POLLRDHUP) pe |= EPOLLRDHUP;
    if (p.revents & POLLHUP) pe |= EPOLLHUP;
    if (p.revents & POLLERR) pe |= EPOLLERR;
    if (p.revents & POLLPRI) pe |= EPOLLPRI;
    if (pe != (e & (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP | EPOLLERR | EPOLLPRI)))
        strcat(b, " (poll differs!)");
    return b;
}

/* F_GETFL as symbolic flags. */
static const char *getfl(int fd) {
    static char bufs[8][128];
    static int i;
    char *b = bufs[i++ % 8];
    int f = fcntl(fd, F_GETFL);
    if (f < 0) {
        snprintf(b, 128, "%s", errname(errno));
        return b;
    }
    int acc = f & O_ACCMODE;
    snprintf(b, 128, "%s", acc == O_RDONLY ? "O_RDONLY" : acc == O_WRONLY ? "O_WRONLY" : "O_RDWR");
    f &= ~O_ACCMODE;
    if (f & O_NONBLOCK) { strcat(b, "|O_NONBLOCK"); f &= ~O_NONBLOCK; }
    if (f & O_APPEND) { strcat(b, "|O_APPEND"); f &= ~O_APPEND; }
    if (f & O_CLOEXEC) { strcat(b, "|O_CLOEXEC"); f &= ~O_CLOEXEC; }
    /* glibc defines O_LARGEFILE as 0 on x86-64; the kernel's bit is 0100000. */
    if (f & 0100000) { strcat(b, "|O_LARGEFILE"); f &= ~0100000; }
    if (f) snprintf(b + strlen(b), 128 - strlen(b), "|0x%x", f);
    snprintf(b + strlen(b), 128 - strlen(b), " (0x%x)", fcntl(fd, F_GETFL));
    return b;
}

#define FACT(...) do { printf(__VA_ARGS__); printf("\n"); } while (0)

/* F_SETFL then F_GETFL, sequenced. */
static const char *setfl(int fd, int flags) {
    static char bufs[4][192];
    static int i;
    char *b = bufs[i++ % 4];
    long r = fcntl(fd, F_SETFL, flags);
    const char *rs = res(r);
    snprintf(b, 192, "%s -> %s", rs, getfl(fd));
    return b;
}
