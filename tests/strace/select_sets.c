/* strace -e trace also: pselect6 */
/* select and pselect's fd sets as strace 6.1 shows them: glibc's select is pselect6 with its
   timeval made a timespec and a NULL mask; pselect passes {sigmask=…, sigsetsize=8}; the input
   sets on entry, the result sets after the count (at most as many fds as it returned), a set
   the call cannot read or an nfds that is not positive as an address. Timeouts are zero or
   NULL so that `left` is the same on every run. */
#include <signal.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>
int main(void) {
    int fds[2];
    fd_set r, w, e;
    struct timeval tv;
    struct timespec ts = {0, 0};
    sigset_t mask;
    pipe(fds);
    /* Nothing to read yet; the write end is writable. */
    FD_ZERO(&r); FD_ZERO(&w); FD_SET(3, &r); FD_SET(4, &r); FD_SET(4, &w);
    tv.tv_sec = 0; tv.tv_usec = 0;
    select(5, &r, &w, NULL, &tv);
    FD_ZERO(&r); FD_SET(3, &r); tv.tv_sec = 0; tv.tv_usec = 0;
    select(5, &r, NULL, NULL, &tv);
    select(0, NULL, NULL, NULL, &tv);
    write(4, "x", 1);
    /* Readable, writable and no exception. */
    FD_ZERO(&r); FD_ZERO(&w); FD_ZERO(&e); FD_SET(3, &r); FD_SET(4, &w); FD_SET(3, &e); FD_SET(4, &e);
    select(5, &r, &w, &e, NULL);
    /* Two sets that each have both fds: the result lists the ready one of each. */
    FD_ZERO(&r); FD_ZERO(&w); FD_SET(3, &r); FD_SET(4, &r); FD_SET(3, &w); FD_SET(4, &w);
    select(5, &r, &w, NULL, NULL);
    /* One set for all three: strace reads it after the call, when the last result is in it. */
    FD_ZERO(&r); FD_SET(3, &r); tv.tv_sec = 0; tv.tv_usec = 0;
    select(4, &r, &r, &r, &tv);
    FD_ZERO(&r); FD_SET(3, &r); tv.tv_sec = 0; tv.tv_usec = 0;
    select(4, &r, NULL, NULL, &tv);
    sigemptyset(&mask); sigaddset(&mask, SIGUSR1);
    FD_ZERO(&r); FD_SET(3, &r);
    pselect(4, &r, NULL, NULL, &ts, &mask);
    FD_ZERO(&r); FD_SET(3, &r);
    pselect(4, &r, NULL, NULL, NULL, NULL);
    FD_ZERO(&r); FD_SET(4, &r);
    pselect(5, NULL, &r, NULL, &ts, NULL);
    /* Errors: an fd that is not open, a negative nfds, a set with nfds 0, an unmapped set.
       (Linux ignores the fds at and above the size of its fd table, 64 for this process, so
       the fds stay below it.) */
    FD_ZERO(&r); FD_SET(3, &r); FD_SET(10, &r);
    select(11, &r, NULL, NULL, NULL);
    FD_ZERO(&r); FD_SET(0, &r); FD_SET(1, &r); FD_SET(2, &r); FD_SET(3, &r); FD_SET(9, &r);
    select(70, &r, NULL, NULL, NULL);
    select(-1, NULL, NULL, NULL, NULL);
    FD_ZERO(&r); FD_SET(3, &r); tv.tv_sec = 0; tv.tv_usec = 0;
    select(0, &r, NULL, NULL, &tv);
    select(5, (fd_set *)16, NULL, NULL, NULL);
    pselect(5, NULL, NULL, NULL, &ts, (sigset_t *)16);
    close(3);
    close(4);
    return 0;
}
