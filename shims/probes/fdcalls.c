// Argument validation of the fd calls as the shim layer sees it: which errno, in which order.
// Build and run: gcc -O1 -o /tmp/fdcalls shims/probes/fdcalls.c && /tmp/fdcalls
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static void show(const char *what, long r) {
    if (r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %ld\n", what, r);
}
#define P(what, expr) do { errno = 0; long _r = (long)(expr); show(what, _r); } while (0)

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    int sv[2], p[2];
    P("socketpair(AF_INET, SOCK_STREAM, 0)", socketpair(AF_INET, SOCK_STREAM, 0, sv));
    P("socketpair(AF_UNIX, 99, 0)", socketpair(AF_UNIX, 99, 0, sv));
    P("socketpair(AF_UNIX, SOCK_STREAM, 1)", socketpair(AF_UNIX, SOCK_STREAM, 1, sv));
    P("socketpair(AF_UNIX, SOCK_STREAM, 2)", socketpair(AF_UNIX, SOCK_STREAM, 2, sv));
    P("socketpair(AF_UNIX, SOCK_STREAM|0x10000000, 0)", socketpair(AF_UNIX, SOCK_STREAM | 0x10000000, 0, sv));
    P("socketpair(12345, SOCK_STREAM, 0)", socketpair(12345, SOCK_STREAM, 0, sv));
    P("socketpair(AF_UNIX, SOCK_STREAM, 0, NULL)", socketpair(AF_UNIX, SOCK_STREAM, 0, NULL));
    P("socketpair(AF_UNIX, SOCK_DGRAM, 0)", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    P("pipe2(p, 0x1)", pipe2(p, 0x1));
    P("pipe2(p, O_NONBLOCK|O_CLOEXEC)", pipe2(p, O_NONBLOCK | O_CLOEXEC));
    P("pipe2(NULL, 0)", pipe2(NULL, 0));
    P("eventfd(0, 0x1234)", eventfd(0, 0x1234));
    int e = eventfd(0, EFD_NONBLOCK);
    P("read(eventfd, NULL, 8) on 0", read(e, NULL, 8));
    unsigned long long one = 1;
    write(e, &one, 8);
    P("read(eventfd, NULL, 8) on 1", read(e, NULL, 8));
    P("eventfd counter consumed by the faulting read? read again", read(e, &one, 8));
    P("write(eventfd, NULL, 8)", write(e, NULL, 8));
    P("fcntl(p[0], 12345)", fcntl(p[0], 12345));
    P("fcntl(-1, 12345)", fcntl(-1, 12345));
    P("read(pipe, NULL, 10) empty nonblocking", read(p[0], NULL, 10));
    P("write(pipe, NULL, 10)", write(p[1], NULL, 10));
    P("write(pipe, \"abc\", 3)", write(p[1], "abc", 3));
    P("read(pipe, NULL, 10) with data", read(p[0], NULL, 10));
    char buf[8];
    P("read(pipe) after faulting read: data kept?", read(p[0], buf, 8));
    P("write(-5, buf, 1)", write(-5, buf, 1));
    P("write(99, NULL, 1)", write(99, NULL, 1));
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    P("send(sv0, \"x\", 1, MSG_OOB)", send(sv[0], "x", 1, MSG_OOB));
    P("send(sv0, \"x\", 1, 0x40000000)", send(sv[0], "x", 1, 0x40000000));
    P("recv(sv1, buf, 8, MSG_OOB)", recv(sv[1], buf, 8, MSG_OOB));
    P("recv(sv1, buf, 8, 0x40000000)", recv(sv[1], buf, 8, 0x40000000));
    P("recv(sv1, buf, 8, MSG_TRUNC)", recv(sv[1], buf, 8, MSG_TRUNC));
    P("shutdown(sv0, 7)", shutdown(sv[0], 7));
    P("send(pipe, \"x\", 1, 0)", send(p[1], "x", 1, 0));
    P("fcntl(p[0], F_SETFL, O_NONBLOCK|O_ASYNC) then F_GETFL", (fcntl(p[0], F_SETFL, O_NONBLOCK | O_ASYNC), fcntl(p[0], F_GETFL)));
    P("fcntl(e, F_GETFL)", fcntl(e, F_GETFL));
    P("fcntl(sv0, F_GETFL)", fcntl(sv[0], F_GETFL));
    P("fcntl(p[1], F_GETFD)", fcntl(p[1], F_GETFD));
    P("fcntl(p[1], F_SETFD, 0xff) then F_GETFD", (fcntl(p[1], F_SETFD, 0xff), fcntl(p[1], F_GETFD)));
    return 0;
}
