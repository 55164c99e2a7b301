// Native version of programs/fds/fd_numbering.mir.
#include "scen.h"

int main(void) {
    init();
    int p[2];
    SHOW("eventfd", eventfd(0, 0));
    SHOW("eventfd", eventfd(0, 0));
    SHOW("eventfd", eventfd(0, 0));
    SHOW("close 4", close(4));
    SHOW("eventfd (lowest free)", eventfd(0, 0));
    SHOW("close 4", close(4));
    SHOW("close 4 again", close(4));
    SHOW("close -1", close(-1));
    SHOW("close 1<<30", close(1 << 30));
    SHOW("close INT_MAX", close(0x7fffffff));
    SHOW("close 0xffffffff (an int: -1)", syscall(SYS_close, 0xffffffffUL));
    SHOW("close 0x100000005 (an int: 5)", syscall(SYS_close, 0x100000005UL));
    SHOW("F_GETFD 5", fcntl(5, F_GETFD));
    SHOW("pipe", pipe(p));
    printf("fds: %d %d\n", p[0], p[1]);
    SHOW("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, p));
    printf("fds: %d %d\n", p[0], p[1]);
    SHOW("close 3", close(3));
    SHOW("dup 7 (lowest free)", dup(7));
    SHOW("close 0 (stdin)", close(0));
    SHOW("eventfd (lowest free is 0)", eventfd(0, 0));
    SHOW("F_GETFL 0 (now an eventfd)", fcntl(0, F_GETFL));
    return 0;
}
