/* Native version of programs/epoll/nested_stale.mir. */
#include "ep.h"

int main(void) {
    init();
    int outer = epoll_create1(0), inner = epoll_create1(0);
    int a = eventfd(0, EFD_NONBLOCK), b = eventfd(0, EFD_NONBLOCK);
    lab("inner ADD a IN|ET"); ctl(inner, EPOLL_CTL_ADD, a, EPOLLIN | EPOLLET, a);
    lab("inner ADD b IN|ET"); ctl(inner, EPOLL_CTL_ADD, b, EPOLLIN | EPOLLET, b);
    lab("outer ADD inner IN"); ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, inner);
    lab("write a"); wv(a, 1);
    lab("write b"); wv(b, 1);
    lab("read a"); rv(a);
    lab("outer"); w0(outer);
    lab("write a"); wv(a, 1);
    lab("inner"); w0(inner);
    close(a); close(b); close(inner);
    say("-- without the outer");
    inner = epoll_create1(0);
    a = eventfd(0, EFD_NONBLOCK); b = eventfd(0, EFD_NONBLOCK);
    lab("inner ADD a IN|ET"); ctl(inner, EPOLL_CTL_ADD, a, EPOLLIN | EPOLLET, a);
    lab("inner ADD b IN|ET"); ctl(inner, EPOLL_CTL_ADD, b, EPOLLIN | EPOLLET, b);
    lab("write a"); wv(a, 1);
    lab("write b"); wv(b, 1);
    lab("read a"); rv(a);
    lab("write a"); wv(a, 1);
    lab("inner"); w0(inner);
    return 0;
}
