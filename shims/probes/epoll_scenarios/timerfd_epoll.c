/* Native version of programs/epoll/timerfd_epoll.mir. */
#include "ep.h"
#include "timerfd.h"

static int ep;

static void *waiter(void *arg) {
    (void)arg;
    rec(0, ep, 8, -1);
    return NULL;
}

static const char *tf(int b) { return b ? "true" : "false"; }

int main(void) {
    init();
    ep = epoll_create1(0);
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    lab("ADD a timerfd IN|OUT|PRI|RDHUP"); ctl(ep, EPOLL_CTL_ADD, t, EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP, 1);
    lab("wait (disarmed)"); w0(ep);
    lab("settime 20 ms"); settime(t, 0, 20000000, 0);
    long t0 = now_ms();
    lab("wait -1"); ew(ep, 8, -1);
    long t1 = now_ms();
    printf("after 20 ms or more: %s\n", tf(t1 - t0 >= 19));
    lab("wait"); w0(ep);
    lab("read"); rv(t);
    lab("wait"); w0(ep);
    lab("MOD IN|ET"); ctl(ep, EPOLL_CTL_MOD, t, EPOLLIN | EPOLLET, 1);
    lab("settime 20 ms, every 20 ms"); settime(t, 0, 20000000, 20000000);
    t0 = now_ms();
    lab("wait -1"); ew(ep, 8, -1);
    lab("wait 50 ms"); ew(ep, 8, 50);
    lab("read"); rv(t);
    lab("wait -1"); ew(ep, 8, -1);
    t1 = now_ms();
    printf("after 80 ms or more: %s, less than 100: %s\n", tf(t1 - t0 >= 79), tf(t1 - t0 < 100));
    lab("read"); rv(t);
    lab("settime 20 ms (one-shot)"); settime(t, 0, 20000000, 0);
    pthread_t th = spawn(waiter, 0);
    join(th);
    lab("a thread blocked in epoll_wait got"); got(0);
    return 0;
}
