#define _GNU_SOURCE
#include <sys/timerfd.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <stdint.h>
#include <time.h>
#include <fcntl.h>
#define P(what, expr) do { errno = 0; long _r = (long)(expr); if (_r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno)); else printf("%s: %ld\n", what, _r); } while (0)
int main(void) {
  P("timerfd_create(CLOCK_MONOTONIC, 0)", timerfd_create(CLOCK_MONOTONIC, 0));
  P("timerfd_create(CLOCK_MONOTONIC, 0x1)", timerfd_create(CLOCK_MONOTONIC, 1));
  P("timerfd_create(99, 0)", timerfd_create(99, 0));
  P("timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0)", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
  int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  P("F_GETFL", fcntl(t, F_GETFL));
  struct itimerspec cur; memset(&cur, 0xff, sizeof cur);
  P("gettime disarmed", timerfd_gettime(t, &cur)); printf("  value %ld.%09ld interval %ld.%09ld\n", cur.it_value.tv_sec, cur.it_value.tv_nsec, cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
  uint64_t v; P("read disarmed (nonblock)", read(t, &v, 8));
  P("read 7 bytes", read(t, &v, 7));
  struct itimerspec bad = {{0,0},{0,1000000000}};
  P("settime nsec=1e9", timerfd_settime(t, 0, &bad, NULL));
  struct itimerspec neg = {{0,0},{-1,0}};
  P("settime sec=-1", timerfd_settime(t, 0, &neg, NULL));
  struct itimerspec ok = {{0,0},{0,1000}};
  P("settime flags 4", timerfd_settime(t, 4, &ok, NULL));
  P("settime CANCEL_ON_SET on monotonic relative", timerfd_settime(t, TFD_TIMER_CANCEL_ON_SET, &ok, NULL));
  P("settime NULL new", timerfd_settime(t, 0, NULL, NULL));
  P("settime on pipe", ({int p[2]; pipe(p); timerfd_settime(p[0], 0, &ok, NULL);}));
  P("gettime on pipe", ({int p[2]; pipe(p); timerfd_gettime(p[0], &cur);}));
  P("settime bad fd", timerfd_settime(99, 0, &ok, NULL));
  struct itimerspec per = {{0,2000000},{0,1000000}};
  P("settime periodic 1ms then 2ms", timerfd_settime(t, 0, &per, NULL));
  usleep(6000);
  P("read after ~6ms (ticks)", read(t, &v, 8)); printf("  ticks %lu\n", (unsigned long)v);
  int ep = epoll_create1(0); struct epoll_event e = {.events = EPOLLIN|EPOLLOUT|EPOLLPRI|EPOLLRDHUP, .data.u64 = 1};
  epoll_ctl(ep, EPOLL_CTL_ADD, t, &e);
  struct epoll_event out[2];
  P("epoll_wait right after read", epoll_wait(ep, out, 2, 0));
  P("epoll_wait after 3ms", (usleep(3000), epoll_wait(ep, out, 2, 0))); printf("  events %#x\n", out[0].events);
  struct itimerspec old; struct itimerspec zero = {{0,0},{0,0}};
  P("settime disarm with old", timerfd_settime(t, 0, &zero, &old)); printf("  old interval %ld.%09ld\n", old.it_interval.tv_sec, old.it_interval.tv_nsec);
  P("read after disarm: ticks kept?", read(t, &v, 8));
  struct itimerspec past = {{0,0},{1,0}};
  P("settime ABSTIME in the past", timerfd_settime(t, TFD_TIMER_ABSTIME, &past, NULL));
  P("read: expired at once", read(t, &v, 8)); printf("  ticks %lu\n", (unsigned long)v);
  P("write to timerfd", write(t, &v, 8));
  return 0;
}
