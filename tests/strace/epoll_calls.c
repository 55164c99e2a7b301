#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
int main(void) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int efd = eventfd(0, EFD_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = 42};
    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
    uint64_t one = 1;
    write(efd, &one, 8);
    struct epoll_event out[8];
    epoll_wait(ep, out, 8, -1);
    epoll_wait(ep, out, 8, 0);
    struct epoll_event mod = {.events = EPOLLIN | EPOLLOUT | EPOLLONESHOT, .data.u64 = 7};
    epoll_ctl(ep, EPOLL_CTL_MOD, efd, &mod);
    epoll_pwait(ep, out, 8, 0, NULL);
    struct timespec zero = {0, 0};
    epoll_pwait2(ep, out, 8, &zero, NULL);
    epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL);
    epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL);
    epoll_wait(ep, out, 0, 0);
    epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev);
    close(ep);
    return 0;
}
