/* Helpers of the native twins of programs/signals/: the same lines as the guest programs print. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Line-buffered stdout, as Spindle's console. */
static void init(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

/* r, or "-1 ENAME" (std::linux's show). */
__attribute__((unused)) static void show(long r) {
    if (r < 0) printf("-1 %s\n", strerrorname_np(errno));
    else printf("%ld\n", r);
}

/* An error number returned rather than set (pthread_*): "0" or its name. */
__attribute__((unused)) static void show_err(int e) {
    if (e) printf("%s\n", strerrorname_np(e));
    else printf("0\n");
}

__attribute__((unused)) static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* The kernel's struct sigaction, for rt_sigaction. */
struct ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};
