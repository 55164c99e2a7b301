/* Native version of programs/epoll/nested_not_consumed.mir. */
#include "ep.h"

int main(void) {
    init();
    int outer = epoll_create1(0), inner = epoll_create1(0);
    int e = eventfd(0, EFD_NONBLOCK);
    lab("outer ADD inner IN|ET"); ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN | EPOLLET, inner);
    lab("inner ADD eventfd IN|ET"); ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, e);
    lab("write 1"); wv(e, 1);
    lab("outer"); w0(outer);
    lab("outer again"); w0(outer);
    lab("inner"); w0(inner);
    lab("outer"); w0(outer);
    lab("write 1"); wv(e, 1);
    lab("outer"); w0(outer);
    lab("write 1 (the inner's entry still queued)"); wv(e, 1);
    lab("outer"); w0(outer);
    close(outer); close(inner); close(e);
    say("-- outer level-triggered");
    outer = epoll_create1(0); inner = epoll_create1(0);
    e = eventfd(0, EFD_NONBLOCK);
    lab("outer ADD inner IN"); ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, inner);
    lab("inner ADD eventfd IN|ET"); ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, e);
    lab("write 1"); wv(e, 1);
    lab("outer"); w0(outer);
    lab("outer again"); w0(outer);
    lab("inner"); w0(inner);
    lab("outer"); w0(outer);
    return 0;
}
