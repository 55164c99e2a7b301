/* Native version of programs/epoll/exclusive_hangup.mir. */
#include "ep.h"
#include "exclusive.h"

int main(void) {
    init();
    int p[2];
    if (pipe2(p, O_NONBLOCK)) return 1;
    for (int i = 0; i < 3; i++) inst(i, p[0], EPOLLEXCLUSIVE | EPOLLIN);
    for (int i = 0; i < 3; i++) start(i);
    lab("close the write end"); cl(p[1]);
    report(3, 7);
    return 0;
}
