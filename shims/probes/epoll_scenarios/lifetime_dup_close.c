/* Native version of programs/epoll/lifetime_dup_close.mir. */
#include "ep.h"

int main(void) {
    init();
    int ep = epoll_create1(0);
    int e = eventfd(1, EFD_NONBLOCK);
    int d = dup(e);
    printf("e = %d, d = %d\n", e, d);
    lab("ADD e, data 1"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, 1);
    lab("MOD by d's number"); ctl(ep, EPOLL_CTL_MOD, d, EPOLLIN, 2);
    lab("DEL by d's number"); show(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL));
    lab("ADD d, data 2"); ctl(ep, EPOLL_CTL_ADD, d, EPOLLIN, 2);
    lab("wait"); w0(ep);
    lab("close e"); cl(e);
    lab("wait"); w0(ep);
    lab("DEL by the closed number"); show(epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL));
    lab("MOD by the closed number"); ctl(ep, EPOLL_CTL_MOD, e, EPOLLIN, 9);
    lab("a new eventfd"); int f = eventfd(1, EFD_NONBLOCK); show(f);
    lab("ADD it, data 3"); ctl(ep, EPOLL_CTL_ADD, f, EPOLLIN, 3);
    lab("wait"); w0(ep);
    lab("DEL by that number"); show(epoll_ctl(ep, EPOLL_CTL_DEL, f, NULL));
    lab("wait"); w0(ep);
    lab("close it"); cl(f);
    lab("dup2(d, the old number)"); show(dup2(d, e));
    lab("ADD under the old number"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, 9);
    lab("MOD under the old number, data 4"); ctl(ep, EPOLL_CTL_MOD, e, EPOLLIN, 4);
    lab("wait"); w0(ep);
    lab("DEL under the old number"); show(epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL));
    lab("wait"); w0(ep);
    lab("close the old number"); cl(e);
    lab("close d"); cl(d);
    lab("wait"); w0(ep);
    return 0;
}
