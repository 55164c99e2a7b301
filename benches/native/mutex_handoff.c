// Native twin of the guest mutex handoff in benches/mutex.rs: two OS threads each lock a
// pthread mutex, increment a shared counter and unlock it, N times. Prints lock/unlock pairs
// per second (both threads together).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static long count, rounds;

static void *worker(void *arg) {
    (void)arg;
    for (long i = 0; i < rounds; i++) {
        pthread_mutex_lock(&m);
        count++;
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

int main(int argc, char **argv) {
    rounds = argc > 1 ? atol(argv[1]) : 1000000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    worker(NULL);
    pthread_join(t, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (count != 2 * rounds) abort();
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%.0f\n", 2 * rounds / s);
    return 0;
}
