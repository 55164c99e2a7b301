/* Native version of programs/epoll/errors_create.mir. */
#include "ep.h"

int main(void) {
    init();
    char b[8];
    long r;
    lab("epoll_create(1)"); int ep = epoll_create(1); show(ep);
    lab("epoll_create(0)"); show(epoll_create(0));
    lab("epoll_create(-1)"); show(epoll_create(-1));
    lab("epoll_create(INT_MAX)"); r = epoll_create(0x7fffffff); show(r);
    lab("F_GETFD of it"); show(fcntl(r, F_GETFD));
    lab("epoll_create1(EPOLL_CLOEXEC)"); r = epoll_create1(EPOLL_CLOEXEC); show(r);
    lab("F_GETFD of it"); show(fcntl(r, F_GETFD));
    lab("epoll_create1(0)"); ep = epoll_create1(0); show(ep);
    lab("F_GETFD of it"); show(fcntl(ep, F_GETFD));
    lab("F_GETFL of it"); show(fcntl(ep, F_GETFL));
    lab("epoll_create1(1)"); show(epoll_create1(1));
    lab("epoll_create1(O_NONBLOCK)"); show(epoll_create1(O_NONBLOCK));
    lab("epoll_create1(EPOLL_CLOEXEC|1)"); show(epoll_create1(EPOLL_CLOEXEC | 1));
    lab("read on an epoll fd"); show(read(ep, b, 8));
    lab("write on an epoll fd"); show(write(ep, b, 8));
    return 0;
}
