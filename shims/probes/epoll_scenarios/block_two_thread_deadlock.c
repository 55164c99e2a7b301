/* Native version of programs/epoll/block_two_thread_deadlock.mir. */
#include "ep.h"

static int ep;

static void *waiter(void *arg) {
    (void)arg;
    struct epoll_event buf[3];
    long n = epoll_wait(ep, buf, 3, -1);
    lock();
    lab("a thread got"); evs(buf, n);
    unlock();
    return NULL;
}

int main(void) {
    init();
    int e = eventfd(0, EFD_NONBLOCK);
    ep = epoll_create1(0);
    int d = dup(e);
    lab("ADD e IN|OUT|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLOUT | EPOLLET, e);
    lab("ADD d IN|OUT|ET"); ctl(ep, EPOLL_CTL_ADD, d, EPOLLIN | EPOLLOUT | EPOLLET, d);
    lab("wait"); w0(ep);
    pthread_t t1 = spawn(waiter, 0);
    msleep(20);
    pthread_t t2 = spawn(waiter, 0);
    msleep(20);
    lock();
    lab("write 0"); wv(e, 0);
    unlock();
    msleep(200);
    int blocked = (pthread_tryjoin_np(t1, NULL) != 0) + (pthread_tryjoin_np(t2, NULL) != 0);
    printf("# threads still blocked in epoll_wait 200 ms later: %d (Spindle reports a deadlock)\n", blocked);
    return 0;
}
