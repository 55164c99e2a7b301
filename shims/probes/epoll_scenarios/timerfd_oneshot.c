/* Native version of programs/epoll/timerfd_oneshot.mir. */
#include "ep.h"
#include "timerfd.h"

int main(void) {
    init();
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    lab("settime relative 20 ms"); settime(t, 0, 20000000, 0);
    lab("read at once"); rv(t);
    lab("gettime"); long left = gettime(t);
    printf("left in (0, 20 ms]: %s\n", left > 0 && left <= 20000000 ? "true" : "false");
    msleep(30);
    lab("30 ms later, read"); rv(t);
    lab("read again"); rv(t);
    lab("gettime"); left = gettime(t);
    printf("left: %ld\n", left);
    close(t);
    t = timerfd_create(CLOCK_MONOTONIC, 0);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long now = ts.tv_sec * 1000000000L + ts.tv_nsec;
    lab("a blocking timerfd, settime absolute now + 20 ms"); settime(t, TFD_TIMER_ABSTIME, now + 20000000, 0);
    long t0 = now_ms();
    lab("read (blocks)"); rv(t);
    long t1 = now_ms();
    printf("after 20 ms or more: %s\n", t1 - t0 >= 19 ? "true" : "false");
    lab("settime absolute 1 s after the clock's start (in the past)"); settime(t, TFD_TIMER_ABSTIME, 1000000000, 0);
    lab("read (expired at once)"); rv(t);
    lab("settime relative 20 ms"); settime(t, 0, 20000000, 0);
    lab("settime 0 (disarm)"); settime(t, 0, 0, 0);
    lab("gettime"); left = gettime(t);
    printf("left: %ld\n", left);
    return 0;
}
