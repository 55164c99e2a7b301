/* Native version of programs/epoll/epoll_in_epoll.mir. */
#include "ep.h"

int main(void) {
    init();
    int a = epoll_create1(0), b = epoll_create1(0);
    lab("ADD epoll b to epoll a, IN|ET"); ctl(a, EPOLL_CTL_ADD, b, EPOLLIN | EPOLLET, b);
    lab("wait a (b is empty)"); w0(a);
    int e = eventfd(1, EFD_NONBLOCK);
    lab("ADD a readable eventfd to b"); ctl(b, EPOLL_CTL_ADD, e, EPOLLIN, e);
    lab("wait a"); w0(a);
    lab("wait b"); w0(b);
    return 0;
}
