/* strace -e trace also: pselect6 */
/* select's and pselect's time left as strace 6.1 shows it: the timespec the kernel writes
   back, its timeout less the time the call took, to the nanosecond (select's timeval made a
   timespec by glibc, a tv_usec of a second or more carried into tv_sec); `= 0 (Timeout)` when
   it expires; nothing at all when glibc refuses a negative tv_sec or tv_usec itself, while
   pselect6 hands a bad timespec to the kernel (EINVAL). The host's time left depends on how
   long the call took: tests/strace.rs compares the fields' names, and the values only when
   they are zero; Spindle's, on its virtual clock, are pinned by the snapshot. */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>
/* Writes to fd 6 after 30 ms, spinning on the vDSO's clock, which strace does not see. */
static void *writer(void *arg) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do {
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 30000000L);
    write(6, "y", 1);
    return arg;
}
int main(void) {
    pthread_t t;
    int fds[2];
    fd_set r;
    struct timeval tv;
    struct timespec ts;
    sigset_t none;
    pipe(fds);
    write(fds[1], "x", 1);
    sigemptyset(&none);
    /* Ready at once: the time left is nearly all of it. */
    FD_ZERO(&r); FD_SET(3, &r);
    tv.tv_sec = 1; tv.tv_usec = 500000;
    select(5, &r, NULL, NULL, &tv);
    FD_ZERO(&r); FD_SET(3, &r);
    tv.tv_sec = 0; tv.tv_usec = 1000000;
    select(5, &r, NULL, NULL, &tv);
    FD_ZERO(&r); FD_SET(3, &r);
    tv.tv_sec = 0; tv.tv_usec = 0;
    select(5, &r, NULL, NULL, &tv);
    /* Nothing to read: the timeout expires. */
    FD_ZERO(&r);
    tv.tv_sec = 0; tv.tv_usec = 10000;
    select(5, &r, NULL, NULL, &tv);
    /* glibc's EINVAL: no system call. */
    tv.tv_sec = 0; tv.tv_usec = -1;
    select(5, &r, NULL, NULL, &tv);
    tv.tv_sec = -1; tv.tv_usec = 0;
    select(5, &r, NULL, NULL, &tv);
    FD_ZERO(&r); FD_SET(3, &r);
    ts.tv_sec = 2; ts.tv_nsec = 5;
    pselect(5, &r, NULL, NULL, &ts, &none);
    FD_ZERO(&r);
    ts.tv_sec = 0; ts.tv_nsec = 1000000;
    pselect(5, &r, NULL, NULL, &ts, NULL);
    ts.tv_sec = 0; ts.tv_nsec = -1;
    pselect(5, &r, NULL, NULL, &ts, NULL);
    ts.tv_sec = 0; ts.tv_nsec = 1000000000;
    pselect(5, &r, NULL, NULL, &ts, NULL);
    /* Woken by another thread's write: the time left is the timeout less the wait. */
    pipe(fds);
    pthread_create(&t, NULL, writer, NULL);
    FD_ZERO(&r); FD_SET(5, &r);
    tv.tv_sec = 1; tv.tv_usec = 500000;
    select(7, &r, NULL, NULL, &tv);
    pthread_join(t, NULL);
    return 0;
}
