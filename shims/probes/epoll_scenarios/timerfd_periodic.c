/* Native version of programs/epoll/timerfd_periodic.mir. */
#include "ep.h"
#include "timerfd.h"

int main(void) {
    init();
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    lab("settime 20 ms, every 20 ms"); settime(t, 0, 20000000, 20000000);
    msleep(50);
    lab("50 ms later, read"); rv(t);
    msleep(40);
    lab("40 ms later, read"); rv(t);
    lab("gettime"); long left = gettime(t);
    printf("left in (0, 20 ms]: %s\n", left > 0 && left <= 20000000 ? "true" : "false");
    msleep(30);
    lab("30 ms later, settime 100 ms, every 100 ms"); settime(t, 0, 100000000, 100000000);
    lab("read"); rv(t);
    return 0;
}
