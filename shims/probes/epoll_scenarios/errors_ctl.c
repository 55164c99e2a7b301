/* Native version of programs/epoll/errors_ctl.mir. */
#include "ep.h"

#define BAD ((struct epoll_event *)0x1234)
static struct epoll_event *volatile NUL = NULL;

int main(void) {
    init();
    int ep = epoll_create1(0), e = eventfd(0, 0), e2 = eventfd(0, 0);
    int closed = eventfd(0, 0);
    close(closed);
    struct epoll_event ev = {.events = EPOLLIN};
    lab("ADD, bad event, closed epfd"); show(epoll_ctl(closed, EPOLL_CTL_ADD, e, BAD));
    lab("MOD, bad event, closed epfd"); show(epoll_ctl(closed, EPOLL_CTL_MOD, e, BAD));
    lab("op 99, bad event, closed epfd"); show(epoll_ctl(closed, 99, e, BAD));
    lab("op 0, bad event, closed epfd"); show(epoll_ctl(closed, 0, e, BAD));
    lab("DEL, bad event, closed epfd"); show(epoll_ctl(closed, EPOLL_CTL_DEL, e, BAD));
    lab("ADD, NULL event"); show(epoll_ctl(ep, EPOLL_CTL_ADD, e, NUL));
    lab("ADD (good event)"); show(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev));
    lab("DEL, NULL event"); show(epoll_ctl(ep, EPOLL_CTL_DEL, e, NUL));
    lab("ADD, closed epfd, closed fd"); show(epoll_ctl(closed, EPOLL_CTL_ADD, closed, &ev));
    lab("ADD, epfd -1"); show(epoll_ctl(-1, EPOLL_CTL_ADD, e, &ev));
    lab("ADD, closed epfd, fd 0"); show(epoll_ctl(closed, EPOLL_CTL_ADD, 0, &ev));
    lab("ADD, closed fd"); show(epoll_ctl(ep, EPOLL_CTL_ADD, closed, &ev));
    lab("ADD, fd -1"); show(epoll_ctl(ep, EPOLL_CTL_ADD, -1, &ev));
    lab("ADD, eventfd as epfd, closed fd"); show(epoll_ctl(e, EPOLL_CTL_ADD, closed, &ev));
    lab("ADD fd 0"); show(epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev));
    lab("DEL fd 0"); show(epoll_ctl(ep, EPOLL_CTL_DEL, 0, NUL));
    lab("op 99, fd 0"); show(epoll_ctl(ep, 99, 0, &ev));
    lab("ADD fd 0, eventfd as epfd"); show(epoll_ctl(e, EPOLL_CTL_ADD, 0, &ev));
    lab("ADD fd 0, fd 0 as epfd"); show(epoll_ctl(0, EPOLL_CTL_ADD, 0, &ev));
    lab("ADD eventfd, fd 0 as epfd"); show(epoll_ctl(0, EPOLL_CTL_ADD, e, &ev));
    lab("ADD eventfd, eventfd as epfd"); show(epoll_ctl(e, EPOLL_CTL_ADD, e2, &ev));
    lab("ADD eventfd to itself"); show(epoll_ctl(e, EPOLL_CTL_ADD, e, &ev));
    lab("ADD epoll to itself"); show(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    lab("op 99, epoll to itself"); show(epoll_ctl(ep, 99, ep, &ev));
    lab("op 99, eventfd as epfd"); show(epoll_ctl(e, 99, e2, &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP;
    lab("ADD EXCLUSIVE|RDHUP, eventfd as epfd"); show(epoll_ctl(e, EPOLL_CTL_ADD, e2, &ev));
    lab("ADD EXCLUSIVE|RDHUP, fd 0"); show(epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev));
    ev.events = EPOLLIN;
    lab("MOD, not registered"); show(epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev));
    lab("DEL, not registered"); show(epoll_ctl(ep, EPOLL_CTL_DEL, e, &ev));
    lab("op 99, not registered"); show(epoll_ctl(ep, 99, e, &ev));
    lab("op -1, not registered"); show(epoll_ctl(ep, -1, e, &ev));
    lab("op 0, not registered"); show(epoll_ctl(ep, 0, e, &ev));
    lab("ADD"); show(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev));
    lab("op 99, registered"); show(epoll_ctl(ep, 99, e, &ev));
    lab("op 4, registered"); show(epoll_ctl(ep, 4, e, &ev));
    lab("MOD, registered, bad event"); show(epoll_ctl(ep, EPOLL_CTL_MOD, e, BAD));
    lab("ADD, registered"); show(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev));
    lab("MOD events 1<<27 (unknown bit)"); ctl(ep, EPOLL_CTL_MOD, e, 0x08000000, 0);
    lab("MOD events 0xefffffff (every bit but EXCLUSIVE)"); ctl(ep, EPOLL_CTL_MOD, e, 0xefffffff, 0);
    lab("MOD events 0xffffffff"); ctl(ep, EPOLL_CTL_MOD, e, 0xffffffff, 0);
    lab("MOD IN|WAKEUP"); ctl(ep, EPOLL_CTL_MOD, e, EPOLLIN | EPOLLWAKEUP, 0);
    lab("MOD events 0"); ctl(ep, EPOLL_CTL_MOD, e, 0, 0);
    lab("the 64-bit fd argument 0x100000000 + eventfd (only the low 32 bits count)");
    show(syscall(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, 0x100000000L + e, NULL));
    return 0;
}
