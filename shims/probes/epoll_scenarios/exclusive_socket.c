/* Native version of programs/epoll/exclusive_socket.mir. */
#include "ep.h"
#include "exclusive.h"

static char BUF[4096], BIG[100000];

int main(void) {
    init();
    int sv[2];
    sock(sv, SOCK_NONBLOCK);
    int n = 0;
    while (write(sv[1], BUF, 4096) > 0) n++;
    printf("s1 filled its peer with %d writes of 4096\n", n);
    inst(0, sv[1], EPOLLEXCLUSIVE | EPOLLOUT);
    inst(1, sv[1], EPOLLEXCLUSIVE | EPOLLIN);
    start(0);
    start(1);
    lab("the peer writes 1 byte"); w(sv[0], "x", 1);
    report(2, 3);
    close(sv[0]);
    close(sv[1]);
    say("-- a new pair, EXCLUSIVE|IN in E1 and E2");
    sock(sv, SOCK_NONBLOCK);
    inst(0, sv[1], EPOLLEXCLUSIVE | EPOLLIN);
    inst(1, sv[1], EPOLLEXCLUSIVE | EPOLLIN);
    start(0);
    start(1);
    lab("the peer writes 1 byte"); w(sv[0], "x", 1);
    report(2, 3);
    close(sv[0]);
    close(sv[1]);
    say("-- a new pair, EXCLUSIVE|IN in E1 and E2");
    sock(sv, SOCK_NONBLOCK);
    inst(0, sv[1], EPOLLEXCLUSIVE | EPOLLIN);
    inst(1, sv[1], EPOLLEXCLUSIVE | EPOLLIN);
    start(0);
    start(1);
    lab("the peer writes 100000 bytes"); w(sv[0], BIG, 100000);
    report(2, 3);
    return 0;
}
