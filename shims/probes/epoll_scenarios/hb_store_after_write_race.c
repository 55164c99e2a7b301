/* Native version of programs/epoll/hb_store_after_write_race.mir. */
#include "ep.h"

static int e;
static volatile uint64_t VAL;

static void *child(void *arg) {
    (void)arg;
    uint64_t one = 1;
    if (write(e, &one, 8) != 8) exit(1);
    VAL = 1;
    return NULL;
}

int main(void) {
    init();
    e = eventfd(0, EFD_NONBLOCK);
    int ep = epoll_create1(0);
    lab("ADD IN|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, e);
    pthread_t t = spawn(child, 0);
    msleep(10);
    lab("wait"); w0(ep);
    printf("# VAL = %llu (natively; Spindle reports the data race here)\n", (unsigned long long)VAL);
    join(t);
    return 0;
}
