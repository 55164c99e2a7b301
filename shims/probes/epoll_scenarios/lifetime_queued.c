/* Native version of programs/epoll/lifetime_queued.mir. */
#include "ep.h"

int main(void) {
    init();
    int ep = epoll_create1(0);
    int a = eventfd(1, EFD_NONBLOCK), b = eventfd(1, EFD_NONBLOCK), c = eventfd(1, EFD_NONBLOCK);
    lab("ADD a IN|ET"); ctl(ep, EPOLL_CTL_ADD, a, EPOLLIN | EPOLLET, a);
    lab("ADD b IN|ET"); ctl(ep, EPOLL_CTL_ADD, b, EPOLLIN | EPOLLET, b);
    lab("ADD c IN|ET"); ctl(ep, EPOLL_CTL_ADD, c, EPOLLIN | EPOLLET, c);
    lab("close b"); cl(b);
    lab("wait"); w0(ep);
    close(a); close(c); close(ep);
    ep = epoll_create1(0);
    int p[2];
    if (pipe(p)) return 1;
    lab("dup the read end"); int keep = dup(p[0]); show(keep);
    lab("ADD the read end IN"); ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, p[0]);
    lab("close its number"); cl(p[0]);
    lab("write 1 byte"); w(p[1], "x", 1);
    lab("wait"); w0(ep);
    lab("close the dup"); cl(keep);
    lab("wait"); w0(ep);
    return 0;
}
