/* Native version of programs/epoll/nested_propagation.mir. */
#include "ep.h"

int main(void) {
    init();
    int outer = epoll_create1(0), inner = epoll_create1(0);
    int e = eventfd(1, EFD_NONBLOCK);
    lab("inner ADD a readable eventfd IN"); ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN, e);
    lab("outer ADD inner IN|ET"); ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN | EPOLLET, inner);
    lab("outer"); w0(outer);
    lab("inner"); w0(inner);
    lab("outer (the inner re-queued its LT entry)"); w0(outer);
    close(outer); close(inner); close(e);
    say("-- the inner watches an eventfd for OUT");
    outer = epoll_create1(0); inner = epoll_create1(0);
    e = eventfd(0, EFD_NONBLOCK);
    lab("inner ADD eventfd OUT"); ctl(inner, EPOLL_CTL_ADD, e, EPOLLOUT, e);
    lab("outer ADD inner IN|ET"); ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN | EPOLLET, inner);
    lab("outer"); w0(outer);
    lab("write 1 (key IN)"); wv(e, 1);
    lab("outer"); w0(outer);
    lab("read (key OUT)"); rv(e);
    lab("outer"); w0(outer);
    close(outer); close(inner); close(e);
    say("-- ADD, MOD and DEL in the inner");
    outer = epoll_create1(0); inner = epoll_create1(0);
    e = eventfd(1, EFD_NONBLOCK);
    lab("outer ADD inner IN|ET"); ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN | EPOLLET, inner);
    lab("inner ADD a readable eventfd IN|ET"); ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, e);
    lab("outer"); w0(outer);
    lab("inner"); w0(inner);
    lab("inner MOD IN|ET"); ctl(inner, EPOLL_CTL_MOD, e, EPOLLIN | EPOLLET, e);
    lab("outer"); w0(outer);
    lab("inner MOD IN|ET again (still queued)"); ctl(inner, EPOLL_CTL_MOD, e, EPOLLIN | EPOLLET, e);
    lab("outer"); w0(outer);
    lab("inner DEL"); show(epoll_ctl(inner, EPOLL_CTL_DEL, e, NULL));
    lab("outer"); w0(outer);
    return 0;
}
