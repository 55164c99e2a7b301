/* Native version of programs/epoll/waiters_interests.mir. */
#include "ep.h"
#include "waiters.h"

int main(void) {
    init();
    int ep = epoll_create1(0);
    EPW = ep;
    int e = eventfd(0, EFD_NONBLOCK), d1 = dup(e), d2 = dup(e);
    lab("ADD e IN|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, 1);
    lab("ADD d1 IN|ET"); ctl(ep, EPOLL_CTL_ADD, d1, EPOLLIN | EPOLLET, 2);
    lab("ADD d2 IN|ET"); ctl(ep, EPOLL_CTL_ADD, d2, EPOLLIN | EPOLLET, 3);
    for (int i = 0; i < 4; i++) start(i, 1, 300);
    lab("write 1"); wv(e, 1);
    uint64_t mask = 0;
    int none = 0;
    for (int i = 0; i < 4; i++) {
        fin(i);
        if (COUNTS[i] == 1) mask |= 1ull << RESULTS[i][0].data.u64;
        else none++;
    }
    printf("threads that got nothing: %d\n", none);
    printf("events delivered, one each: data 1, 2 and 3: %s\n", mask == 14 ? "true" : "false");
    close(e); close(d1); close(d2); close(ep);
    say("-- two interests, three threads with maxevents 8");
    ep = epoll_create1(0);
    EPW = ep;
    e = eventfd(0, EFD_NONBLOCK);
    d1 = dup(e);
    lab("ADD e IN|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, 1);
    lab("ADD d1 IN|ET"); ctl(ep, EPOLL_CTL_ADD, d1, EPOLLIN | EPOLLET, 2);
    for (int i = 0; i < 3; i++) start(i, 8, 300);
    lab("write 1"); wv(e, 1);
    fin(0); fin(1); fin(2);
    lab("thread 1 got"); got(0);
    lab("threads 2 and 3 got");
    if (COUNTS[1] == 0) { got(1); lab("and"); got(2); }
    else { got(2); lab("and"); got(1); }
    return 0;
}
