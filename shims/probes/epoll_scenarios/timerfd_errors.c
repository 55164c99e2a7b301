/* Native version of programs/epoll/timerfd_errors.mir. */
#include "ep.h"
#include "timerfd.h"

int main(void) {
    init();
    uint64_t b;
    lab("timerfd_create(CLOCK_MONOTONIC, 0)"); show(timerfd_create(CLOCK_MONOTONIC, 0));
    lab("timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC)"); show(timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC));
    lab("timerfd_create(CLOCK_BOOTTIME, 0)"); show(timerfd_create(CLOCK_BOOTTIME, 0));
    lab("timerfd_create(CLOCK_MONOTONIC, 1)"); show(timerfd_create(CLOCK_MONOTONIC, 1));
    lab("timerfd_create(99, 0)"); show(timerfd_create(99, 0));
    lab("timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0)"); show(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    lab("F_GETFL"); show(fcntl(t, F_GETFL));
    lab("gettime disarmed"); long left = gettime(t);
    printf("left %ld\n", left);
    lab("read disarmed"); rv(t);
    lab("read 7 bytes"); show(read(t, &b, 7));
    lab("settime nsec 1e9"); settime(t, 0, 0, 0);
    struct itimerspec its = {{0, 0}, {0, 1000000000}};
    long r = timerfd_settime(t, 0, &its, NULL);
    lab("  then with it_value.tv_nsec = 1e9"); show(r);
    its.it_value.tv_sec = -1;
    its.it_value.tv_nsec = 0;
    lab("settime tv_sec -1"); show(timerfd_settime(t, 0, &its, NULL));
    lab("settime flags 4"); settime(t, 4, 1000, 0);
    lab("settime CANCEL_ON_SET, relative"); settime(t, TFD_TIMER_CANCEL_ON_SET, 1000, 0);
    lab("settime NULL new value"); show(timerfd_settime(t, 0, NULL, NULL));
    int p[2];
    if (pipe(p)) return 1;
    lab("settime on a pipe"); settime(p[0], 0, 1000, 0);
    lab("settime on a closed fd"); settime(99, 0, 1000, 0);
    b = 1;
    lab("write"); show(write(t, &b, 8));
    return 0;
}
