/* Native version of programs/epoll/mixed_modes.mir. */
#include "ep.h"

int main(void) {
    init();
    int sv[2];
    sock(sv, 0);
    int ep = epoll_create1(0);
    lab("ADD sv0 IN|OUT|ET"); ctl(ep, EPOLL_CTL_ADD, sv[0], EPOLLIN | EPOLLOUT | EPOLLET, sv[0]);
    lab("ADD sv1 IN|OUT"); ctl(ep, EPOLL_CTL_ADD, sv[1], EPOLLIN | EPOLLOUT, sv[1]);
    lab("write 5 into sv1"); w(sv[1], "abcde", 5);
    lab("wait"); w0(ep);
    lab("wait"); w0(ep);
    return 0;
}
