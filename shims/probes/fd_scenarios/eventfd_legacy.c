// Native version of programs/fds/eventfd_legacy.mir: the legacy eventfd system call (no flags
// argument), which glibc has no wrapper for: syscall(SYS_eventfd, initval).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *l, long r) {
    if (r < 0) printf("%s: -1 %s\n", l, strerrorname_np(errno));
    else printf("%s: %ld\n", l, r);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int fd = 3; fd < 64; fd++) close(fd);
    int e = syscall(SYS_eventfd, 5);
    show("eventfd(5)", e);
    show("F_GETFL", fcntl(e, F_GETFL));
    show("F_GETFD", fcntl(e, F_GETFD));
    uint64_t v = 0;
    long r = read(e, &v, 8);
    printf("read: %ld value=%llu\n", r, (unsigned long long)v);
    v = 2;
    show("write 2", write(e, &v, 8));
    r = read(e, &v, 8);
    printf("read: %ld value=%llu\n", r, (unsigned long long)v);
    int big = syscall(SYS_eventfd, 0xffffffffu);
    r = read(big, &v, 8);
    printf("eventfd(0xffffffff) read: %ld value=%llu\n", r, (unsigned long long)v);
    return 0;
}
