/* Native version of programs/epoll/exclusive_one_instance.mir. */
#include "ep.h"
#include "exclusive.h"

int main(void) {
    init();
    int e = eventfd(0, EFD_NONBLOCK);
    int d = dup(e);
    inst(0, e, EPOLLEXCLUSIVE | EPOLLIN | EPOLLET);
    lab("ADD the dup, EXCLUSIVE|IN|ET, data 2"); ctl(EPS[0], EPOLL_CTL_ADD, d, EPOLLEXCLUSIVE | EPOLLIN | EPOLLET, 2);
    start(0);
    lab("write 1"); wv(e, 1);
    report(1, 1);
    return 0;
}
