/* Native version of programs/epoll/nested_loops.mir. */
#include "ep.h"

int main(void) {
    init();
    int a = epoll_create1(0), b = epoll_create1(0), c = epoll_create1(0);
    lab("A ADD A"); ctl(a, EPOLL_CTL_ADD, a, EPOLLIN, 0);
    lab("dup A"); int a2 = dup(a); show(a2);
    lab("A ADD dup(A)"); ctl(a, EPOLL_CTL_ADD, a2, EPOLLIN, 0);
    lab("dup(A) ADD A"); ctl(a2, EPOLL_CTL_ADD, a, EPOLLIN, 0);
    lab("A ADD B"); ctl(a, EPOLL_CTL_ADD, b, EPOLLIN, 0);
    lab("B ADD A (a loop of 2)"); ctl(b, EPOLL_CTL_ADD, a, EPOLLIN, 0);
    lab("B ADD C"); ctl(b, EPOLL_CTL_ADD, c, EPOLLIN, 0);
    lab("C ADD A (a loop of 3)"); ctl(c, EPOLL_CTL_ADD, a, EPOLLIN, 0);
    lab("A ADD C (a shortcut, no loop)"); ctl(a, EPOLL_CTL_ADD, c, EPOLLIN, 0);
    lab("C ADD B (a loop of 2)"); ctl(c, EPOLL_CTL_ADD, b, EPOLLIN, 0);
    lab("A MOD B"); ctl(a, EPOLL_CTL_MOD, b, EPOLLIN | EPOLLET, 1);
    lab("A ADD B again"); ctl(a, EPOLL_CTL_ADD, b, EPOLLIN, 0);
    lab("B ADD A with EXCLUSIVE"); ctl(b, EPOLL_CTL_ADD, a, EPOLLIN | EPOLLEXCLUSIVE, 0);
    return 0;
}
