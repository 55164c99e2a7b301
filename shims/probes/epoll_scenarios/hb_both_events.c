/* Native version of programs/epoll/hb_both_events.mir. */
#include "ep.h"

static int A[2], B[2];
static volatile uint64_t VAL_ONE, VAL_TWO;

static void *child(void *arg) {
    (void)arg;
    VAL_ONE = 41;
    if (write(A[0], "a", 1) != 1) exit(1);
    VAL_TWO = 51;
    if (write(B[0], "b", 1) != 1) exit(1);
    return NULL;
}

int main(void) {
    init();
    sock(A, 0);
    sock(B, 0);
    int ep = epoll_create1(0);
    lab("ADD A1 IN|ET"); ctl(ep, EPOLL_CTL_ADD, A[1], EPOLLIN | EPOLLET, A[1]);
    lab("ADD B1 IN|ET"); ctl(ep, EPOLL_CTL_ADD, B[1], EPOLLIN | EPOLLET, B[1]);
    pthread_t t = spawn(child, 0);
    msleep(10);
    lab("wait"); w0(ep);
    printf("VAL_ONE = %llu\n", (unsigned long long)VAL_ONE);
    printf("VAL_TWO = %llu\n", (unsigned long long)VAL_TWO);
    join(t);
    return 0;
}
