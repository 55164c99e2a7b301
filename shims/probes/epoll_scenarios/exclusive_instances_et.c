/* Native version of programs/epoll/exclusive_instances_et.mir. */
#include "ep.h"
#include "exclusive.h"

int main(void) {
    init();
    int e = eventfd(0, EFD_NONBLOCK);
    inst(0, e, EPOLLEXCLUSIVE | EPOLLIN | EPOLLET);
    inst(1, e, EPOLLEXCLUSIVE | EPOLLIN | EPOLLET);
    inst(2, e, EPOLLIN | EPOLLET);
    for (int i = 0; i < 3; i++) start(i);
    lab("write 1"); wv(e, 1);
    report(3, 7);
    lab("read"); rv(e);
    closeall(3);
    say("-- no threads");
    for (int i = 0; i < 3; i++) inst(i, e, EPOLLEXCLUSIVE | EPOLLIN);
    lab("write 1"); wv(e, 1);
    report(3, 0);
    return 0;
}
