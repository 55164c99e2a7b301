// Native version of programs/fds/fd_fcntl.mir.
#include "scen.h"

int main(void) {
    init();
    int e;
    SHOW("eventfd", e = eventfd(0, 0));
    SHOW("F_GETFD", fcntl(e, F_GETFD));
    SHOW("F_SETFD 0xff", fcntl(e, F_SETFD, 0xff));
    SHOW("F_GETFD", fcntl(e, F_GETFD));
    SHOW("F_SETFD 0", fcntl(e, F_SETFD, 0));
    SHOW("F_GETFD", fcntl(e, F_GETFD));
    SHOW("F_SETFD 2 (only FD_CLOEXEC counts)", fcntl(e, F_SETFD, 2));
    SHOW("F_GETFD", fcntl(e, F_GETFD));
    SHOW("F_SETFD 1<<32|1", syscall(SYS_fcntl, e, F_SETFD, (1UL << 32) | 1));
    SHOW("F_GETFD", fcntl(e, F_GETFD));
    SHOW("F_SETFD 0", fcntl(e, F_SETFD, 0));
    SHOW("F_DUPFD 40", fcntl(e, F_DUPFD, 40));
    SHOW("F_DUPFD 40 again", fcntl(e, F_DUPFD, 40));
    SHOW("F_DUPFD 0", fcntl(e, F_DUPFD, 0));
    SHOW("F_DUPFD -1", fcntl(e, F_DUPFD, -1));
    SHOW("F_DUPFD 20000 (the limit)", fcntl(e, F_DUPFD, 20000));
    SHOW("F_DUPFD 19999", fcntl(e, F_DUPFD, 19999));
    SHOW("F_DUPFD 19999 again (none free above)", fcntl(e, F_DUPFD, 19999));
    SHOW("F_DUPFD of fd 100 (not open)", fcntl(100, F_DUPFD, 0));
    SHOW("F_DUPFD of fd 100, minimum -1 (EBADF first)", fcntl(100, F_DUPFD, -1));
    SHOW("F_DUPFD (1<<32) + 45 (read as an int)", syscall(SYS_fcntl, e, F_DUPFD, (1UL << 32) + 45));
    SHOW("F_DUPFD_CLOEXEC 60", fcntl(e, F_DUPFD_CLOEXEC, 60));
    SHOW("F_GETFD 60", fcntl(60, F_GETFD));
    SHOW("F_GETFD of the original", fcntl(e, F_GETFD));
    int d;
    SHOW("dup 60", d = dup(60));
    SHOW("F_GETFD of the dup (cleared)", fcntl(d, F_GETFD));
    SHOW("F_SETFL O_NONBLOCK on the original", fcntl(e, F_SETFL, O_NONBLOCK));
    SHOW("F_GETFL 60 (status flags belong to the description)", fcntl(60, F_GETFL));
    SHOW("F_GETFD 100", fcntl(100, F_GETFD));
    SHOW("F_GETFD -1", fcntl(-1, F_GETFD));
    SHOW("F_SETFD 100", fcntl(100, F_SETFD, 1));
    SHOW("F_GETFL 100", fcntl(100, F_GETFL));
    SHOW("F_SETFL 100", fcntl(100, F_SETFL, 0));
    SHOW("fcntl(e, 12345)", fcntl(e, 12345));
    SHOW("fcntl(-1, 12345) (EBADF first)", fcntl(-1, 12345));
    SHOW("fcntl(e, F_GETPIPE_SZ) (not a pipe)", fcntl(e, F_GETPIPE_SZ));
    SHOW("fcntl(e, F_GET_SEALS) (not a memfd)", fcntl(e, 1034));
    SHOW("F_GETFL 0", fcntl(0, F_GETFL));
    SHOW("F_GETFD 0", fcntl(0, F_GETFD));
    return 0;
}
