/* Helpers of the native twins of programs/poll/: the same lines as the guest programs print. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <stdlib.h>

/* A clean start, as Spindle's: no fds above 2, RLIMIT_NOFILE 20000, SIGPIPE ignored. */
static void init(void) {
    for (int fd = 3; fd < 1024; fd++) close(fd);
    struct rlimit rl = {20000, 20000};
    setrlimit(RLIMIT_NOFILE, &rl);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
}

/* The bits of m by short name, lowest first ("0" for none), as std::epoll's bits. */
static void bits(unsigned m) {
    static const char *names[32] = {"IN", "PRI", "OUT", "ERR", "HUP", "NVAL", "RDNORM", "RDBAND", "WRNORM", "WRBAND", "MSG", 0, 0, "RDHUP"};
    if (!m) { printf("0"); return; }
    int first = 1;
    for (int k = 0; k < 32; k++) {
        if (!(m & (1u << k))) continue;
        if (!first) printf("|");
        first = 0;
        if (names[k]) printf("%s", names[k]); else printf("bit%d", k);
    }
}

/* r, or "-1 ERRNAME". */
static void show(long r) {
    if (r < 0) printf("-1 %s\n", strerrorname_np(errno)); else printf("%ld\n", r);
}

/* One entry, timeout 0: "label: n BITS". */
static int one(const char *label, int fd, int events) {
    struct pollfd p = {fd, (short)events, 0x7777};
    int r = poll(&p, 1, 0);
    printf("%s: ", label);
    if (r < 0) { show(r); return r; }
    printf("%d ", r);
    bits((unsigned short)p.revents);
    printf("\n");
    return r;
}
