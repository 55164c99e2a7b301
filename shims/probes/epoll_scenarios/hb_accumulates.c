/* Native version of programs/epoll/hb_accumulates.mir. */
#include "ep.h"

static int e;
static volatile uint64_t X, Y;

static void put(void) { uint64_t one = 1; if (write(e, &one, 8) != 8) exit(1); }
static void *one(void *arg) { (void)arg; X = 1; put(); return NULL; }
static void *two(void *arg) { (void)arg; Y = 2; put(); return NULL; }

int main(void) {
    init();
    e = eventfd(0, EFD_NONBLOCK);
    int ep = epoll_create1(0);
    lab("ADD IN|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, e);
    pthread_t t1 = spawn(one, 0);
    msleep(10);
    pthread_t t2 = spawn(two, 0);
    msleep(10);
    lab("wait"); w0(ep);
    printf("X = %llu\n", (unsigned long long)X);
    printf("Y = %llu\n", (unsigned long long)Y);
    join(t1);
    join(t2);
    return 0;
}
