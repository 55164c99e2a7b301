/* Native version of programs/epoll/nested_readiness.mir. */
#include "ep.h"

int main(void) {
    init();
    int outer = epoll_create1(0), inner = epoll_create1(0);
    int e = eventfd(0, EFD_NONBLOCK);
    lab("outer ADD inner, every bit"); ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM | EPOLLPRI | EPOLLRDHUP, inner);
    lab("inner ADD eventfd IN"); ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN, e);
    lab("outer (inner empty)"); w0(outer);
    lab("write 1"); wv(e, 1);
    lab("outer"); w0(outer);
    lab("outer again"); w0(outer);
    lab("read"); rv(e);
    lab("outer (the inner's entry is stale)"); w0(outer);
    lab("write 1"); wv(e, 1);
    lab("outer MOD inner to OUT only"); ctl(outer, EPOLL_CTL_MOD, inner, EPOLLOUT, inner);
    lab("outer"); w0(outer);
    return 0;
}
