/* Native version of programs/epoll/four_waiters_et.mir. */
#include "ep.h"

static int ep;
static unsigned long RANK[4], ORDER;

static void *waiter(void *arg) {
    long i = (long)arg;
    rec(i, ep, 8, 500);
    RANK[i] = __atomic_add_fetch(&ORDER, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

int main(void) {
    init();
    int e = eventfd(0, EFD_NONBLOCK);
    ep = epoll_create1(0);
    lab("ADD"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, e);
    pthread_t t[4];
    for (long i = 0; i < 4; i++) {
        t[i] = spawn(waiter, i);
        msleep(20);
    }
    for (int i = 0; i < 4; i++) { lab("write 1"); wv(e, 1); msleep(20); }
    for (int i = 0; i < 4; i++) {
        join(t[i]);
        printf("thread %d got: ", i + 1);
        got(i);
        printf("thread %d returned #%lu\n", i + 1, RANK[i]);
    }
    lab("afterwards"); w0(ep);
    return 0;
}
