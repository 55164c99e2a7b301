// Native twin of the guest ping-pong in benches/pingpong.rs: two OS threads pass a token back
// and forth through two blocking eventfds. Prints round trips per second.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int ping, pong;
static long rounds;

static void *responder(void *arg) {
    (void)arg;
    uint64_t v;
    for (long i = 0; i < rounds; i++) {
        if (read(ping, &v, 8) != 8) abort();
        if (write(pong, &v, 8) != 8) abort();
    }
    return NULL;
}

int main(int argc, char **argv) {
    rounds = argc > 1 ? atol(argv[1]) : 100000;
    ping = eventfd(0, 0);
    pong = eventfd(0, 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t t;
    pthread_create(&t, NULL, responder, NULL);
    uint64_t one = 1, v;
    for (long i = 0; i < rounds; i++) {
        if (write(ping, &one, 8) != 8) abort();
        if (read(pong, &v, 8) != 8) abort();
    }
    pthread_join(t, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%.0f\n", rounds / s);
    return 0;
}
