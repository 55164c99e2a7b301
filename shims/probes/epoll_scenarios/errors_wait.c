/* Native version of programs/epoll/errors_wait.mir. */
#include "ep.h"

#define BAD ((struct epoll_event *)0x1234)
#define KERNEL ((struct epoll_event *)0xffff888000000000UL)
#define END ((struct epoll_event *)(0x7ffffffff000UL - 12))
static struct epoll_event *volatile NUL = NULL;
static volatile int MINUS1 = -1, INTMIN = (int)0x80000000u, ZERO = 0;

int main(void) {
    init();
    int ep = epoll_create1(0), e = eventfd(0, 0);
    int closed = eventfd(0, 0);
    close(closed);
    struct epoll_event buf[4];
    lab("maxevents 0, closed epfd, KERNEL buffer"); show(epoll_wait(closed, KERNEL, ZERO, 0));
    lab("maxevents -1"); show(epoll_wait(ep, buf, MINUS1, 0));
    lab("maxevents INT_MIN"); show(epoll_wait(ep, buf, INTMIN, 0));
    lab("maxevents 178956970, NULL buffer, nothing ready"); show(epoll_wait(ep, NUL, 178956970, 0));
    lab("maxevents 178956971"); show(epoll_wait(ep, NUL, 178956971, 0));
    lab("maxevents 2^31 (an int: INT_MIN)"); show(syscall(SYS_epoll_wait, ep, buf, 0x80000000UL, 0));
    lab("KERNEL buffer, closed epfd"); show(epoll_wait(closed, KERNEL, 1, 0));
    lab("BAD buffer, closed epfd"); show(epoll_wait(closed, BAD, 1, 0));
    lab("closed epfd"); show(epoll_wait(closed, buf, 1, 0));
    lab("maxevents 0, KERNEL buffer"); show(epoll_wait(ep, KERNEL, ZERO, 0));
    lab("KERNEL buffer"); show(epoll_wait(ep, KERNEL, 1, 0));
    lab("buffer ending past user space"); show(epoll_wait(ep, END, 2, 0));
    lab("buffer ending at the end of user space"); show(epoll_wait(ep, END, 1, 0));
    lab("eventfd as epfd, KERNEL buffer"); show(epoll_wait(e, KERNEL, 1, 0));
    lab("eventfd as epfd, maxevents -1"); show(epoll_wait(e, buf, MINUS1, 0));
    lab("epfd -1"); show(epoll_wait(-1, buf, 1, 0));
    lab("eventfd as epfd"); show(epoll_wait(e, buf, 1, 0));
    lab("eventfd as epfd, maxevents 0"); show(epoll_wait(e, buf, ZERO, 0));
    int p[2];
    if (pipe(p)) return 1;
    lab("a pipe as epfd"); show(epoll_wait(p[0], buf, 1, 0));
    lab("a pipe as epfd for epoll_ctl"); ctl(p[0], EPOLL_CTL_ADD, e, EPOLLIN, 0);
    lab("fd 0 as epfd"); show(epoll_wait(0, buf, 1, 0));
    lab("NULL buffer, nothing ready"); show(epoll_wait(ep, NUL, 1, 0));
    lab("BAD buffer, nothing ready"); show(epoll_wait(ep, BAD, 1, 0));
    lab("ADD eventfd OUT|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLOUT | EPOLLET, e);
    lab("NULL buffer, one event ready"); show(epoll_wait(ep, NUL, 1, 0));
    lab("BAD buffer, one event ready"); show(epoll_wait(ep, BAD, 1, 0));
    lab("a string literal as the buffer (read-only), one event ready"); show(epoll_wait(ep, (struct epoll_event *)"read-only memory", 1, 0));
    lab("then a good wait"); w0(ep);
    lab("and again"); w0(ep);
    return 0;
}
