/* Native version of programs/epoll/edges_eventfd.mir. */
#include "ep.h"

static char B[8];

int main(void) {
    init();
    int ep = epoll_create1(0), e = eventfd(1, EFD_NONBLOCK);
    lab("ADD IN|OUT|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLOUT | EPOLLET, 1);
    lab("wait"); w0(ep);
    lab("write 1 (still readable)"); wv(e, 1);
    lab("wait"); w0(ep);
    lab("write 0"); wv(e, 0);
    lab("wait"); w0(ep);
    lab("read"); rv(e);
    lab("wait"); w0(ep);
    lab("write 0 (counter 0)"); wv(e, 0);
    lab("wait"); w0(ep);
    lab("read on counter 0"); rv(e);
    lab("wait"); w0(ep);
    lab("write of 7 bytes"); w(e, B, 7);
    lab("wait"); w0(ep);
    close(e); close(ep);
    ep = epoll_create1(0); e = eventfd(0, EFD_NONBLOCK);
    lab("ADD OUT|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLOUT | EPOLLET, 2);
    lab("wait"); w0(ep);
    lab("write 1 (key IN)"); wv(e, 1);
    lab("wait"); w0(ep);
    lab("write 0 (key IN)"); wv(e, 0);
    lab("wait"); w0(ep);
    lab("read (key OUT)"); rv(e);
    lab("wait"); w0(ep);
    close(e); close(ep);
    ep = epoll_create1(0); e = eventfd(0, EFD_NONBLOCK);
    lab("write u64::MAX-1"); wv(e, UINT64_MAX - 1);
    lab("ADD IN|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, 3);
    lab("wait"); w0(ep);
    lab("write 1 (at the maximum)"); wv(e, 1);
    lab("wait"); w0(ep);
    lab("read (key OUT, not readable afterwards)"); rv(e);
    lab("wait"); w0(ep);
    lab("write 1"); wv(e, 1);
    lab("wait"); w0(ep);
    lab("read"); rv(e);
    lab("write 1"); wv(e, 1);
    lab("wait"); w0(ep);
    return 0;
}
