/* Native version of programs/epoll/wait_efault.mir. */
#include "ep.h"

static int ep;
static long got_errno;

static void *null_waiter(void *arg) {
    (void)arg;
    epoll_wait(ep, NULL, 8, -1);
    got_errno = errno;
    return NULL;
}

int main(void) {
    init();
    ep = epoll_create1(0);
    int a = eventfd(0, 0), b = eventfd(0, 0), c = eventfd(0, 0);
    lab("ADD a OUT|ET"); ctl(ep, EPOLL_CTL_ADD, a, EPOLLOUT | EPOLLET, a);
    lab("ADD b OUT|ONESHOT"); ctl(ep, EPOLL_CTL_ADD, b, EPOLLOUT | EPOLLONESHOT, b);
    lab("ADD c OUT|ET"); ctl(ep, EPOLL_CTL_ADD, c, EPOLLOUT | EPOLLET, c);
    struct epoll_event *one = guarded(12);
    lab("wait maxevents 3 into room for 1"); show(epoll_wait(ep, one, 3, 0));
    lab("the event copied"); evs(one, 1);
    lab("wait"); w0(ep);
    lab("wait"); w0(ep);
    close(ep);
    ep = epoll_create1(0);
    int e = eventfd(0, EFD_NONBLOCK);
    lab("ADD eventfd IN|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, e);
    pthread_t t = spawn(null_waiter, 0);
    msleep(20);
    lab("write 1 (a thread waits with a NULL buffer)"); wv(e, 1);
    join(t);
    lab("the thread's wait"); errno = got_errno; show(-1);
    lab("main's wait"); w0(ep);
    return 0;
}
