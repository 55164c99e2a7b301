// Native twin of the guest epoll ping-pong in benches/epoll.rs: two OS threads, each blocking in
// epoll_wait on its own eventfd, pass a token back and forth. Prints round trips per second.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int efd_a, efd_b, ep_a, ep_b;
static long rounds;

static void take(int ep, int efd) {
    struct epoll_event ev;
    uint64_t v;
    if (epoll_wait(ep, &ev, 1, -1) != 1) abort();
    if (read(efd, &v, 8) != 8) abort();
}

static void *responder(void *arg) {
    (void)arg;
    uint64_t one = 1;
    for (long i = 0; i < rounds; i++) {
        take(ep_b, efd_b);
        if (write(efd_a, &one, 8) != 8) abort();
    }
    return NULL;
}

static int watch(int efd) {
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1};
    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
    return ep;
}

int main(int argc, char **argv) {
    rounds = argc > 1 ? atol(argv[1]) : 100000;
    efd_a = eventfd(0, 0);
    efd_b = eventfd(0, 0);
    ep_a = watch(efd_a);
    ep_b = watch(efd_b);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t t;
    pthread_create(&t, NULL, responder, NULL);
    uint64_t one = 1;
    for (long i = 0; i < rounds; i++) {
        if (write(efd_b, &one, 8) != 8) abort();
        take(ep_a, efd_a);
    }
    pthread_join(t, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%.0f\n", rounds / s);
    return 0;
}
