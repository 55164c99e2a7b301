/* Native version of programs/epoll/registered_mode_switch.mir. */
#include "ep.h"

int main(void) {
    init();
    int e = eventfd(1, EFD_NONBLOCK);
    int ep = epoll_create1(0);
    lab("ADD IN|OUT|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLOUT | EPOLLET, e);
    lab("wait"); w0(ep);
    lab("wait"); w0(ep);
    lab("MOD IN|OUT (level-triggered)"); ctl(ep, EPOLL_CTL_MOD, e, EPOLLIN | EPOLLOUT, e);
    lab("wait"); w0(ep);
    lab("wait"); w0(ep);
    return 0;
}
