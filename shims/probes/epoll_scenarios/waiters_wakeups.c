/* Native version of programs/epoll/waiters_wakeups.mir. */
#include "ep.h"
#include "waiters.h"

int main(void) {
    init();
    int ep = epoll_create1(0);
    EPW = ep;
    int e = eventfd(0, EFD_NONBLOCK);
    lab("ADD IN|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, 1);
    start(0, 8, 300);
    start(1, 8, 300);
    lab("write 0"); wv(e, 0);
    msleep(50);
    lab("write 1"); wv(e, 1);
    fin(0); fin(1);
    lab("thread 1 got"); got(0);
    lab("thread 2 got"); got(1);
    close(e); close(ep);
    say("-- timeouts 30 and 300 ms");
    ep = epoll_create1(0);
    EPW = ep;
    e = eventfd(0, EFD_NONBLOCK);
    lab("ADD IN|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, 1);
    start(0, 8, 30);
    start(1, 8, 300);
    msleep(50);
    lab("write 1"); wv(e, 1);
    fin(0); fin(1);
    lab("thread 1 got"); got(0);
    lab("thread 2 got"); got(1);
    close(e); close(ep);
    say("-- the watched fd closed");
    ep = epoll_create1(0);
    EPW = ep;
    e = eventfd(0, EFD_NONBLOCK);
    lab("ADD IN"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, 1);
    long t0 = now_ms();
    start(0, 8, 100);
    lab("close the eventfd"); cl(e);
    fin(0);
    long t1 = now_ms();
    lab("thread 1 got"); got(0);
    printf("after 100 ms or more: %s\n", t1 - t0 >= 100 ? "true" : "false");
    return 0;
}
