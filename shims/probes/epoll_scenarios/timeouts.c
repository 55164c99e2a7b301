/* Native version of programs/epoll/timeouts.mir. */
#include "ep.h"

static int e;

static void *writer(void *arg) {
    (void)arg;
    msleep(50);
    uint64_t one = 1;
    if (write(e, &one, 8) != 8) exit(1);
    return NULL;
}

static void forever(int ep, long timeout) {
    long t0 = now_ms();
    pthread_t t = spawn(writer, 0);
    printf("timeout %ld (a write after 50 ms): ", timeout);
    struct epoll_event buf[8];
    long n = syscall(SYS_epoll_wait, ep, buf, 8, timeout);
    if (n < 0) show(n);
    else evs(buf, n);
    long t1 = now_ms();
    printf("after 50 ms or more: %s\n", t1 - t0 >= 50 ? "true" : "false");
    join(t);
}

static const char *tf(int b) { return b ? "true" : "false"; }

int main(void) {
    init();
    int ep = epoll_create1(0);
    e = eventfd(0, EFD_NONBLOCK);
    lab("ADD IN|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, e);
    long t0 = now_ms();
    lab("timeout 0"); ew(ep, 8, 0);
    long t1 = now_ms();
    printf("returned at once: %s\n", tf(t1 - t0 < 5));
    t0 = now_ms();
    lab("timeout 30"); ew(ep, 8, 30);
    t1 = now_ms();
    printf("after 30 ms or more: %s, less than 60: %s\n", tf(t1 - t0 >= 30), tf(t1 - t0 < 60));
    forever(ep, -1);
    forever(ep, -2);
    forever(ep, -1000);
    forever(ep, -2147483648L);
    forever(ep, 0x1ffffffffL);
    struct timespec ts = {0, 30000000};
    t0 = now_ms();
    lab("pwait2 (0, 30 ms)"); show(syscall(SYS_epoll_pwait2, ep, NULL, 8, &ts, NULL, 8));
    t1 = now_ms();
    printf("after 30 ms or more: %s, less than 60: %s\n", tf(t1 - t0 >= 30), tf(t1 - t0 < 60));
    ts.tv_sec = 1;
    ts.tv_nsec = 0;
    t0 = now_ms();
    lab("pwait2 (1, 0)"); show(syscall(SYS_epoll_pwait2, ep, NULL, 8, &ts, NULL, 8));
    t1 = now_ms();
    printf("after 1000 ms or more: %s, less than 1100: %s\n", tf(t1 - t0 >= 1000), tf(t1 - t0 < 1100));
    t0 = now_ms();
    pthread_t t = spawn(writer, 0);
    lab("pwait2 NULL timeout (a write after 50 ms)");
    struct epoll_event buf[8];
    long n = syscall(SYS_epoll_pwait2, ep, buf, 8, NULL, NULL, 8);
    evs(buf, n);
    t1 = now_ms();
    printf("after 50 ms or more: %s\n", tf(t1 - t0 >= 50));
    join(t);
    return 0;
}
