// Native version of programs/fds/fd_emfile.mir (RLIMIT_NOFILE = 20000, Spindle's limit).
#include "scen.h"

int main(void) {
    init();
    int p[2] = {-7, -7};
    long last = -1, r;
    SHOW("eventfd", eventfd(0, 0));
    for (long fd = 4; fd < 20000; fd++)
        if ((r = dup2(3, fd)) >= 0) last = r;
    printf("dup2(3, fd) for fd 4..19999: last %ld\n", last);
    SHOW("then eventfd", eventfd(0, 0));
    SHOW("dup", dup(3));
    SHOW("F_DUPFD 0", fcntl(3, F_DUPFD, 0));
    SHOW("F_DUPFD_CLOEXEC 0", fcntl(3, F_DUPFD_CLOEXEC, 0));
    SHOW("F_DUPFD 20000", fcntl(3, F_DUPFD, 20000));
    SHOW("dup2(3, 20000)", dup2(3, 20000));
    SHOW("dup2(3, 19999) (open: replaced)", dup2(3, 19999));
    SHOW("pipe", pipe(p));
    SHOW("pipe(NULL) (EMFILE before EFAULT)", pipe(NULL));
    SHOW("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, p));
    SHOW("socketpair(AF_INET) (EMFILE before EOPNOTSUPP)", socketpair(AF_INET, SOCK_STREAM, 0, p));
    printf("p: %d %d\n", p[0], p[1]);
    SHOW("close 19999", close(19999));
    SHOW("one free: pipe", pipe(p));
    SHOW("one free: socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, p));
    printf("p: %d %d\n", p[0], p[1]);
    SHOW("one free: eventfd", eventfd(0, 0));
    SHOW("close 100", close(100));
    SHOW("close 101", close(101));
    SHOW("two free: pipe", pipe(p));
    printf("p: %d %d\n", p[0], p[1]);
    return 0;
}
