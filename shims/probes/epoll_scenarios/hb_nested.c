/* Native version of programs/epoll/hb_nested.mir. */
#include "ep.h"

static int e;
static volatile uint64_t VAL;

static void *child(void *arg) {
    (void)arg;
    msleep(10);
    VAL = 1;
    uint64_t one = 1;
    if (write(e, &one, 8) != 8) exit(1);
    return NULL;
}

int main(void) {
    init();
    e = eventfd(0, EFD_NONBLOCK);
    int outer = epoll_create1(0), inner = epoll_create1(0);
    lab("inner ADD eventfd IN|ET"); ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, e);
    lab("outer ADD inner IN|ET"); ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN | EPOLLET, inner);
    pthread_t t = spawn(child, 0);
    lab("wait on the outer, -1"); ew(outer, 8, -1);
    printf("VAL = %llu\n", (unsigned long long)VAL);
    lab("wait on the inner"); w0(inner);
    join(t);
    return 0;
}
