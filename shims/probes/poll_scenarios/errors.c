#include "poll.h"
/* A freed allocation in the guest is the unmapped address 0x1234 here. */
#define FREED ((void *)0x1234)
static long sys_ppoll(void *fds, unsigned long n, void *ts, void *mask) { return syscall(SYS_ppoll, fds, n, ts, mask, 8); }
static long sys_pselect(int n, void *r, void *w, void *x, void *ts, void *mask) {
    struct { void *mask; size_t size; } m = {mask, 8};
    return syscall(SYS_pselect6, n, r, w, x, ts, &m);
}
int main(void) {
    init();
    struct pollfd pfd = {0, POLLIN, 0};
    struct timespec ts = {0, 0};
    struct timeval tv = {0, 0};
    uint64_t set[16] = {0}, mask = 0;
    printf("poll NULL, 0: "); show(poll(NULL, 0, 0));
    printf("poll NULL, 1: "); show(poll(NULL, 1, 0));
    printf("poll freed, 1: "); show(poll(FREED, 1, 0));
    printf("poll nfds 20001: "); show(poll(&pfd, 20001, 0));
    printf("poll nfds 0x100000001: "); show(poll(&pfd, 0x100000001UL, 0));
    ts.tv_nsec = -1;
    printf("ppoll tv_nsec -1: "); show(sys_ppoll(&pfd, 1, &ts, NULL));
    ts.tv_sec = -1; ts.tv_nsec = 0;
    printf("ppoll tv_sec -1: "); show(sys_ppoll(&pfd, 1, &ts, NULL));
    printf("ppoll freed timespec: "); show(sys_ppoll(&pfd, 1, FREED, NULL));
    printf("ppoll freed mask: "); show(sys_ppoll(&pfd, 1, NULL, FREED));
    ts.tv_sec = 0; ts.tv_nsec = -1;
    printf("ppoll freed array, tv_nsec -1, freed mask: "); show(sys_ppoll(FREED, 1, &ts, FREED));
    printf("ppoll freed array, freed mask: "); show(sys_ppoll(FREED, 1, NULL, FREED));
    printf("ppoll freed array: "); show(sys_ppoll(FREED, 1, NULL, &mask));
    printf("select nfds -1: "); show(select(-1, NULL, NULL, NULL, &tv));
    set[0] = 1ULL << 50;
    printf("select, closed fd 50 in readfds: "); show(select(51, (fd_set *)set, NULL, NULL, &tv));
    printf("  readfds as it was: %s\n", set[0] == 1ULL << 50 ? "true" : "false");
    printf("select, fd 50 at nfds 50: "); show(select(50, (fd_set *)set, NULL, NULL, &tv));
    printf("  readfds cleared: %s\n", set[0] == 0 ? "true" : "false");
    tv.tv_usec = 1000000;
    printf("select tv_usec 1000000: "); show(select(1, NULL, NULL, NULL, &tv));
    tv.tv_usec = -1;
    printf("select tv_usec -1: "); show(select(1, NULL, NULL, NULL, &tv));
    tv.tv_sec = -1; tv.tv_usec = 0;
    printf("select tv_sec -1: "); show(select(1, NULL, NULL, NULL, &tv));
    tv.tv_sec = 0;
    printf("select freed readfds: "); show(select(1, FREED, NULL, NULL, &tv));
    printf("select nfds 100000, no sets: "); show(select(100000, NULL, NULL, NULL, &tv));
    ts.tv_nsec = -1;
    printf("pselect tv_nsec -1: "); show(sys_pselect(1, NULL, NULL, NULL, &ts, NULL));
    ts.tv_nsec = 0;
    printf("pselect freed mask: "); show(sys_pselect(1, NULL, NULL, NULL, &ts, FREED));
    return 0;
}
