// Native version of programs/fds/socketpair_args.mir.
#include "scen.h"

static int sv[2];
static void fds(void) { printf("sv: %d %d\n", sv[0], sv[1]); sv[0] = sv[1] = -1; }

int main(void) {
    init();
    sv[0] = sv[1] = -1;
    SHOW("socketpair(AF_UNIX, SOCK_STREAM, 0)", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    fds();
    SHOW("socketpair(AF_LOCAL, SOCK_STREAM, PF_UNIX)", socketpair(AF_LOCAL, SOCK_STREAM, PF_UNIX, sv));
    fds();
    SHOW("socketpair(AF_INET, SOCK_STREAM, 0)", socketpair(AF_INET, SOCK_STREAM, 0, sv));
    fds();
    SHOW("socketpair(AF_INET6, SOCK_STREAM, 0)", socketpair(AF_INET6, SOCK_STREAM, 0, sv));
    fds();
    SHOW("socketpair(12345, SOCK_STREAM, 0)", socketpair(12345, SOCK_STREAM, 0, sv));
    fds();
    SHOW("socketpair(-1, SOCK_STREAM, 0)", socketpair(-1, SOCK_STREAM, 0, sv));
    fds();
    SHOW("socketpair(AF_UNIX, 99, 0)", socketpair(AF_UNIX, 99, 0, sv));
    fds();
    SHOW("socketpair(AF_UNIX, SOCK_STREAM, 2)", socketpair(AF_UNIX, SOCK_STREAM, 2, sv));
    fds();
    SHOW("socketpair(AF_UNSPEC, SOCK_STREAM, 0)", socketpair(AF_UNSPEC, SOCK_STREAM, 0, sv));
    fds();
    SHOW("socketpair(AF_UNIX, 0, 0)", socketpair(AF_UNIX, 0, 0, sv));
    fds();
    SHOW("socketpair(AF_UNIX, 4, 0)", socketpair(AF_UNIX, 4, 0, sv));
    fds();
    SHOW("socketpair(AF_UNIX, 4, 2) (protocol before type)", socketpair(AF_UNIX, 4, 2, sv));
    fds();
    SHOW("socketpair(AF_UNIX, 11, 0)", socketpair(AF_UNIX, 11, 0, sv));
    fds();
    SHOW("socketpair(AF_INET, 11, 0)", socketpair(AF_INET, 11, 0, sv));
    fds();
    SHOW("socketpair(100, 11, 0) (domain before type)", socketpair(100, 11, 0, sv));
    fds();
    SHOW("socketpair(AF_UNSPEC, 11, 0) (type before the domain's existence)", socketpair(AF_UNSPEC, 11, 0, sv));
    fds();
    SHOW("socketpair(AF_INET, 0, 0)", socketpair(AF_INET, 0, 0, sv));
    fds();
    SHOW("socketpair(AF_INET, SOCK_STREAM, -1)", socketpair(AF_INET, SOCK_STREAM, -1, sv));
    fds();
    SHOW("socketpair(AF_INET, SOCK_STREAM, 1)", socketpair(AF_INET, SOCK_STREAM, 1, sv));
    fds();
    SHOW("socketpair(AF_INET, SOCK_STREAM, 6)", socketpair(AF_INET, SOCK_STREAM, 6, sv));
    fds();
    SHOW("socketpair(AF_INET6, SOCK_DGRAM, 17)", socketpair(AF_INET6, SOCK_DGRAM, 17, sv));
    fds();
    SHOW("socketpair(AF_INET, SOCK_DGRAM, 1) (ping)", socketpair(AF_INET, SOCK_DGRAM, 1, sv));
    fds();
    SHOW("socketpair(AF_UNIX, SOCK_STREAM|0x10000000, 0)", socketpair(AF_UNIX, SOCK_STREAM | 0x10000000, 0, sv));
    fds();
    SHOW("socketpair(AF_UNIX, SOCK_STREAM, 0, NULL)", socketpair(AF_UNIX, SOCK_STREAM, 0, NULL));
    SHOW("socketpair(AF_INET, SOCK_STREAM, 0, NULL)", socketpair(AF_INET, SOCK_STREAM, 0, NULL));
    SHOW("socketpair(AF_UNIX, 99, 0, NULL)", socketpair(AF_UNIX, 99, 0, NULL));
    SHOW("socketpair(AF_UNIX, SOCK_STREAM|0x10000000, 0, NULL)", socketpair(AF_UNIX, SOCK_STREAM | 0x10000000, 0, NULL));
    int *four = (int *)guarded(4);
    *four = -1;
    SHOW("socketpair into a 4-byte buffer", socketpair(AF_UNIX, SOCK_STREAM, 0, four));
    printf("the 4-byte buffer holds: %d\n", *four);
    SHOW("socketpair into a string literal", socketpair(AF_UNIX, SOCK_STREAM, 0, (int *)"12345678"));
    SHOW("socketpair(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0)", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    SHOW("F_GETFL", fcntl(sv[0], F_GETFL));
    SHOW("F_GETFD", fcntl(sv[1], F_GETFD));
    fds();
    SHOW("socketpair(AF_UNIX | 0x100000000, SOCK_STREAM, 0) (ints)", syscall(SYS_socketpair, AF_UNIX | 0x100000000UL, SOCK_STREAM, 0, sv));
    fds();
    SHOW("next fd (the failed calls left no fd open)", eventfd(0, 0));
    return 0;
}
