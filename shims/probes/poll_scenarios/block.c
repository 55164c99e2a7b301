#include "poll.h"
#include <pthread.h>
static long res[3];
static long now_ms(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec * 1000 + ts.tv_nsec / 1000000; }
static void *waiter(void *arg) {
    struct pollfd p[2] = {{(int)(long)arg, POLLIN, 0}, {-1, POLLIN, 0}};
    int r = poll(p, 2, -1);
    res[0] = r; res[1] = (unsigned short)p[0].revents; res[2] = (unsigned short)p[1].revents;
    return NULL;
}
static void got(void) { printf("%ld [", res[0]); bits(res[1]); printf(", "); bits(res[2]); printf("]\n"); }
int main(void) {
    init();
    int p[2]; pthread_t t; char c;
    pipe(p);
    long t0 = now_ms();
    pthread_create(&t, NULL, waiter, (void *)(long)p[0]);
    usleep(10000);
    write(p[1], "x", 1);
    pthread_join(t, NULL);
    long t1 = now_ms();
    printf("a write 10 ms later wakes poll: "); got();
    printf("after at least 10 ms: %s\n", t1 - t0 >= 10 ? "true" : "false");
    read(p[0], &c, 1);
    pthread_create(&t, NULL, waiter, (void *)(long)p[0]);
    usleep(10000);
    close(p[1]);
    pthread_join(t, NULL);
    printf("closing the write end wakes poll: "); got();
    close(p[0]);
    pipe(p);
    struct pollfd pfd = {p[0], POLLIN, 0};
    t0 = now_ms();
    int r = poll(&pfd, 1, 30);
    t1 = now_ms();
    printf("poll, timeout 30 ms: %d, waited at least 30 ms: %s\n", r, t1 - t0 >= 30 ? "true" : "false");
    struct timespec ts = {0, 20000000};
    t0 = now_ms();
    r = ppoll(&pfd, 1, &ts, NULL);
    t1 = now_ms();
    printf("ppoll, timeout 20 ms: %d, waited at least 20 ms: %s, timespec left as it was: %s\n", r, t1 - t0 >= 20 ? "true" : "false", ts.tv_nsec == 20000000 ? "true" : "false");
    struct timeval tv = {0, 20000};
    fd_set set; FD_ZERO(&set); FD_SET(p[0], &set);
    t0 = now_ms();
    r = select(p[0] + 1, &set, NULL, NULL, &tv);
    t1 = now_ms();
    printf("select, timeout 20 ms: %d, waited at least 20 ms: %s, set %lu, timeval left %ld %ld\n", r, t1 - t0 >= 20 ? "true" : "false", set.fds_bits[0], tv.tv_sec, tv.tv_usec);
    write(p[1], "x", 1);
    t0 = now_ms();
    r = poll(&pfd, 1, 1000);
    t1 = now_ms();
    printf("poll, timeout 1000 ms, data there: %d, at once: %s\n", r, t1 - t0 < 1000 ? "true" : "false");
    return 0;
}
