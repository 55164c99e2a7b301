/* Native version of programs/epoll/nested_lifetime.mir. */
#include "ep.h"

int main(void) {
    init();
    int outer = epoll_create1(0), inner = epoll_create1(0);
    int e = eventfd(1, EFD_NONBLOCK);
    lab("inner ADD a readable eventfd"); ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN, e);
    lab("outer ADD inner"); ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, inner);
    lab("outer"); w0(outer);
    lab("close inner"); cl(inner);
    lab("outer"); w0(outer);
    close(e); close(outer);
    outer = epoll_create1(0); inner = epoll_create1(0);
    e = eventfd(1, EFD_NONBLOCK);
    lab("inner ADD a readable eventfd"); ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN, e);
    lab("outer ADD inner"); ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, inner);
    lab("close the eventfd"); cl(e);
    lab("outer"); w0(outer);
    lab("inner"); w0(inner);
    return 0;
}
