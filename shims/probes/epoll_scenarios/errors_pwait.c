/* Native version of programs/epoll/errors_pwait.mir. */
#include "ep.h"

#define BAD ((void *)0x1234)
static uint64_t MASK;

static long sys_pwait(int ep, void *evs, int max, int timeout, const void *mask) {
    return syscall(SYS_epoll_pwait, ep, evs, max, timeout, mask, 8);
}
static long sys_pwait2(int ep, void *evs, int max, const void *ts, const void *mask) {
    return syscall(SYS_epoll_pwait2, ep, evs, max, ts, mask, 8);
}
static long pwait2(int ep, void *evs, int max, long sec, long nsec, const void *mask) {
    struct timespec ts = {sec, nsec};
    long r = sys_pwait2(ep, evs, max, &ts, mask);
    show(r);
    return r;
}

int main(void) {
    init();
    int ep = epoll_create1(0), e = eventfd(1, 0);
    int closed = eventfd(0, 0);
    close(closed);
    struct epoll_event buf[4];
    lab("ADD a readable eventfd IN"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, e);
    lab("pwait, a mask, ready"); show(sys_pwait(ep, buf, 4, 0, &MASK));
    lab("pwait, NULL mask, ready"); show(sys_pwait(ep, buf, 4, 0, NULL));
    lab("pwait, BAD mask, maxevents 0"); show(sys_pwait(ep, buf, 0, 0, BAD));
    lab("pwait, BAD mask, closed epfd"); show(sys_pwait(closed, buf, 4, 0, BAD));
    lab("pwait, a mask, closed epfd"); show(sys_pwait(closed, buf, 4, 0, &MASK));
    lab("pwait, a mask, maxevents 0"); show(sys_pwait(ep, buf, 0, 0, &MASK));
    lab("pwait2 (0, 0), ready"); pwait2(ep, buf, 4, 0, 0, NULL);
    lab("pwait2 NULL timeout, ready"); show(sys_pwait2(ep, buf, 4, NULL, NULL));
    lab("pwait2 (-1, 0)"); pwait2(ep, buf, 4, -1, 0, NULL);
    lab("pwait2 (0, 1000000000)"); pwait2(ep, buf, 4, 0, 1000000000, NULL);
    lab("pwait2 (0, -1)"); pwait2(ep, buf, 4, 0, -1, NULL);
    lab("pwait2 (0, 999999999), ready"); pwait2(ep, buf, 4, 0, 999999999, NULL);
    lab("pwait2 BAD timeout, maxevents 0, closed epfd, BAD mask"); show(sys_pwait2(closed, buf, 0, BAD, BAD));
    lab("pwait2 (-1, 0), BAD mask"); pwait2(ep, buf, 4, -1, 0, BAD);
    lab("pwait2 (-1, 0), maxevents 0"); pwait2(ep, buf, 0, -1, 0, NULL);
    lab("pwait2 (0, 0), BAD mask, closed epfd"); pwait2(closed, buf, 4, 0, 0, BAD);
    lab("pwait2 (0, 0), a mask, closed epfd"); pwait2(closed, buf, 4, 0, 0, &MASK);
    lab("pwait2 (0, 0), a mask, eventfd as epfd"); pwait2(e, buf, 4, 0, 0, &MASK);
    return 0;
}
