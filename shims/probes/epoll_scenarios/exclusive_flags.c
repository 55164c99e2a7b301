/* Native version of programs/epoll/exclusive_flags.mir. */
#include "ep.h"

static long try_add(int ep, int fd, uint32_t bits) {
    long r = ctl(ep, EPOLL_CTL_ADD, fd, EPOLLEXCLUSIVE | bits, 7);
    if (r == 0) epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    return r;
}

int main(void) {
    init();
    int ep = epoll_create1(0);
    int e = eventfd(0, EFD_NONBLOCK);
    int inner = epoll_create1(0);
    lab("ADD EXCLUSIVE|IN"); try_add(ep, e, EPOLLIN);
    lab("ADD EXCLUSIVE|OUT"); try_add(ep, e, EPOLLOUT);
    lab("ADD EXCLUSIVE|ERR"); try_add(ep, e, EPOLLERR);
    lab("ADD EXCLUSIVE|HUP"); try_add(ep, e, EPOLLHUP);
    lab("ADD EXCLUSIVE|WAKEUP"); try_add(ep, e, EPOLLWAKEUP);
    lab("ADD EXCLUSIVE|ET"); try_add(ep, e, EPOLLET);
    lab("ADD EXCLUSIVE alone"); try_add(ep, e, 0);
    lab("ADD EXCLUSIVE|IN|OUT|ERR|HUP|WAKEUP|ET"); try_add(ep, e, EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET);
    lab("ADD EXCLUSIVE|RDHUP"); try_add(ep, e, EPOLLRDHUP);
    lab("ADD EXCLUSIVE|PRI"); try_add(ep, e, EPOLLPRI);
    lab("ADD EXCLUSIVE|ONESHOT"); try_add(ep, e, EPOLLONESHOT);
    lab("ADD EXCLUSIVE|RDNORM"); try_add(ep, e, EPOLLRDNORM);
    lab("ADD EXCLUSIVE|RDBAND"); try_add(ep, e, EPOLLRDBAND);
    lab("ADD EXCLUSIVE|WRNORM"); try_add(ep, e, EPOLLWRNORM);
    lab("ADD EXCLUSIVE|WRBAND"); try_add(ep, e, EPOLLWRBAND);
    lab("ADD EXCLUSIVE|MSG"); try_add(ep, e, EPOLLMSG);
    lab("ADD EXCLUSIVE|bit 27"); try_add(ep, e, 0x08000000);
    lab("ADD EXCLUSIVE|bit 14"); try_add(ep, e, 0x4000);
    lab("ADD EXCLUSIVE|IN, data 1"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLEXCLUSIVE | EPOLLIN, 1);
    lab("MOD it to IN"); ctl(ep, EPOLL_CTL_MOD, e, EPOLLIN, 1);
    lab("MOD it to EXCLUSIVE|IN"); ctl(ep, EPOLL_CTL_MOD, e, EPOLLEXCLUSIVE | EPOLLIN, 1);
    lab("ADD EXCLUSIVE|IN again"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLEXCLUSIVE | EPOLLIN, 1);
    lab("ADD EXCLUSIVE|RDHUP again"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLEXCLUSIVE | EPOLLRDHUP, 1);
    lab("ADD IN again"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, 1);
    lab("DEL it"); show(epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL));
    lab("MOD EXCLUSIVE|IN, not registered"); ctl(ep, EPOLL_CTL_MOD, e, EPOLLEXCLUSIVE | EPOLLIN, 1);
    lab("MOD IN, not registered"); ctl(ep, EPOLL_CTL_MOD, e, EPOLLIN, 1);
    lab("ADD IN (plain)"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, 1);
    lab("MOD EXCLUSIVE|IN of the plain interest"); ctl(ep, EPOLL_CTL_MOD, e, EPOLLEXCLUSIVE | EPOLLIN, 1);
    lab("ADD an epoll fd with EXCLUSIVE|IN"); ctl(ep, EPOLL_CTL_ADD, inner, EPOLLEXCLUSIVE | EPOLLIN, 2);
    lab("ADD an epoll fd with IN"); ctl(ep, EPOLL_CTL_ADD, inner, EPOLLIN, 2);
    return 0;
}
