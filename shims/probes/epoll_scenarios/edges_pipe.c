/* Native version of programs/epoll/edges_pipe.mir. */
#include "ep.h"

static char PAGE[4096], TWO[8192];

int main(void) {
    init();
    int p[2];
    if (pipe2(p, O_NONBLOCK)) return 1;
    int ep = epoll_create1(0);
    lab("ADD read end IN|ET"); ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, 1);
    lab("ADD write end OUT|ET"); ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLET, 2);
    lab("wait"); w0(ep);
    lab("write 1 byte into the empty pipe"); w(p[1], "a", 1);
    lab("wait"); w0(ep);
    lab("write 1 byte while readable"); w(p[1], "b", 1);
    lab("wait"); w0(ep);
    lab("write 0 bytes"); w(p[1], "", 0);
    lab("wait"); w0(ep);
    lab("read 1 of 2 bytes"); rd(p[0], 1);
    lab("wait"); w0(ep);
    lab("read the last byte"); rd(p[0], 1);
    lab("wait"); w0(ep);
    lab("read 0 bytes"); rd(p[0], 0);
    lab("wait"); w0(ep);
    lab("read on empty"); rd(p[0], 1);
    lab("wait"); w0(ep);
    int n = 0;
    while (write(p[1], PAGE, 4096) == 4096) n++;
    printf("filled with %d page writes: wait: ", n); w0(ep);
    lab("write 1 byte on full"); w(p[1], "x", 1);
    lab("wait"); w0(ep);
    lab("read 1 byte (no slot freed)"); rd(p[0], 1);
    lab("wait"); w0(ep);
    lab("read the rest of the first slot (freed)"); rd(p[0], 4095);
    lab("wait"); w0(ep);
    lab("read a whole slot (not full before)"); rd(p[0], 4096);
    lab("wait"); w0(ep);
    n = 0;
    while (write(p[1], PAGE, 4096) == 4096) n++;
    printf("filled again with %d page writes: wait: ", n); w0(ep);
    lab("one read of two slots"); show(read(p[0], TWO, 8192));
    lab("wait"); w0(ep);
    lab("close the write end (data buffered)"); cl(p[1]);
    lab("wait"); w0(ep);
    close(p[0]); close(ep);
    if (pipe2(p, O_NONBLOCK)) return 1;
    ep = epoll_create1(0);
    lab("a new pipe, ADD write end OUT|ET"); ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLET, 2);
    lab("wait"); w0(ep);
    lab("close the read end"); cl(p[0]);
    lab("wait"); w0(ep);
    close(p[1]); close(ep);
    if (pipe2(p, O_NONBLOCK)) return 1;
    ep = epoll_create1(0);
    lab("a new pipe, ADD read end IN|ET"); ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, 1);
    int d = dup(p[1]);
    lab("close one of two write fds"); cl(p[1]);
    lab("wait"); w0(ep);
    lab("close the last write fd"); cl(d);
    lab("wait"); w0(ep);
    return 0;
}
