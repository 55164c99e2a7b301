/* The timerfd helpers of programs/epoll/timerfd_*.mir. */
#include <sys/timerfd.h>

static long settime(int t, int flags, long value, long interval) {
    struct itimerspec its = {{interval / 1000000000, interval % 1000000000}, {value / 1000000000, value % 1000000000}};
    errno = 0;
    long r = timerfd_settime(t, flags, &its, NULL);
    show(r);
    return r;
}
static long gettime(int t) {
    struct itimerspec cur;
    long r = timerfd_gettime(t, &cur);
    printf("%ld interval %ld ns, ", r, cur.it_interval.tv_sec * 1000000000L + cur.it_interval.tv_nsec);
    return cur.it_value.tv_sec * 1000000000L + cur.it_value.tv_nsec;
}
