/* Native version of programs/epoll/timerfd_clock_epoch.mir. */
#include "ep.h"
#include "timerfd.h"

static long ts_ns(struct timespec *ts) { return ts->tv_sec * 1000000000L + ts->tv_nsec; }

int main(void) {
    init();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long now = ts_ns(&ts);
    printf("monotonic after 1 s: %s\n", now > 1000000000L ? "true" : "false");
    clock_gettime(CLOCK_REALTIME, &ts);
    long real = ts_ns(&ts);
    printf("realtime after 2020: %s\n", real > 1577836800000000000L ? "true" : "false");
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    lab("settime absolute now - 1 s"); settime(t, TFD_TIMER_ABSTIME, now - 1000000000L, 0);
    lab("read (expired at once)"); rv(t);
    lab("settime absolute now - 5 s, interval 1 s"); settime(t, TFD_TIMER_ABSTIME, now - 5000000000L, 1000000000L);
    lab("read (6 expirations)"); rv(t);
    lab("settime absolute 1 ns"); settime(t, TFD_TIMER_ABSTIME, 1, 0);
    lab("read"); rv(t);
    close(t);
    t = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    clock_gettime(CLOCK_REALTIME, &ts);
    real = ts_ns(&ts);
    lab("realtime timerfd, settime absolute now - 1 s"); settime(t, TFD_TIMER_ABSTIME, real - 1000000000L, 0);
    lab("read"); rv(t);
    lab("realtime timerfd, settime absolute now + 1 s"); settime(t, TFD_TIMER_ABSTIME, real + 1000000000L, 0);
    lab("read at once"); rv(t);
    return 0;
}
