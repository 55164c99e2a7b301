/* Native version of programs/epoll/nested_chain.mir. */
#include "ep.h"

static int ep3;

static void *waiter(void *arg) {
    (void)arg;
    rec(0, ep3, 8, -1);
    return NULL;
}

int main(void) {
    init();
    int ep0 = epoll_create1(0), ep1 = epoll_create1(0), ep2 = epoll_create1(0);
    ep3 = epoll_create1(0);
    int e = eventfd(0, EFD_NONBLOCK);
    lab("ep0 ADD eventfd"); ctl(ep0, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, e);
    lab("ep1 ADD ep0"); ctl(ep1, EPOLL_CTL_ADD, ep0, EPOLLIN | EPOLLET, ep0);
    lab("ep2 ADD ep1"); ctl(ep2, EPOLL_CTL_ADD, ep1, EPOLLIN | EPOLLET, ep1);
    lab("ep3 ADD ep2"); ctl(ep3, EPOLL_CTL_ADD, ep2, EPOLLIN | EPOLLET, ep2);
    lab("ep3"); w0(ep3);
    lab("write 1"); wv(e, 1);
    lab("ep3"); w0(ep3);
    lab("ep2"); w0(ep2);
    lab("ep0"); w0(ep0);
    lab("ep1"); w0(ep1);
    pthread_t t = spawn(waiter, 0);
    msleep(20);
    lab("write 1 (a thread is blocked on ep3)"); wv(e, 1);
    join(t);
    lab("the thread got"); got(0);
    return 0;
}
