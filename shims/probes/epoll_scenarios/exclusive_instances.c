/* Native version of programs/epoll/exclusive_instances.mir. */
#include "ep.h"
#include "exclusive.h"

int main(void) {
    init();
    int e = eventfd(0, EFD_NONBLOCK);
    for (int i = 0; i < 3; i++) inst(i, e, EPOLLEXCLUSIVE | EPOLLIN);
    for (int i = 0; i < 3; i++) start(i);
    lab("write 1"); wv(e, 1);
    report(3, 7);
    lab("read"); rv(e);
    closeall(3);
    say("-- threads on E2 and E3 only");
    for (int i = 0; i < 3; i++) inst(i, e, EPOLLEXCLUSIVE | EPOLLIN);
    start(1);
    start(2);
    lab("write 1"); wv(e, 1);
    report(3, 6);
    return 0;
}
