/* Native twin of programs/signals/signalfd.mir. */
#include "sig.h"
#include <fcntl.h>

static int sfd, ep;
static long res;
static struct signalfd_siginfo got;

static void info(const char *what, long r, struct signalfd_siginfo *s, int n) {
    printf("%s: ", what);
    if (r < 0) { printf("-1 %s\n", strerrorname_np(errno)); return; }
    printf("%ld", r);
    for (int i = 0; i < n && i < r / 128; i++) printf(" [signo %u code %d]", s[i].ssi_signo, s[i].ssi_code);
    printf("\n");
}

static void *epoll_then_read(void *a) {
    (void)a;
    struct epoll_event ev[2];
    res = epoll_wait(ep, ev, 2, -1);
    if (res == 1) res = read(sfd, &got, sizeof got);
    return NULL;
}

static void *blocking_read(void *a) {
    int fd = (int)(long)a;
    res = read(fd, &got, sizeof got);
    return NULL;
}

int main(void) {
    init();
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    sigaddset(&mask, 40);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    printf("signalfd(-1, [USR1 USR2 40], SFD_NONBLOCK|SFD_CLOEXEC): "); show(sfd);
    int fl = fcntl(sfd, F_GETFL), fdfl = fcntl(sfd, F_GETFD);
    printf("F_GETFL %d, F_GETFD %d\n", fl, fdfl);
    struct signalfd_siginfo s[4];
    info("read, nothing pending", read(sfd, s, sizeof s), s, 4);
    info("read of 127 bytes", read(sfd, s, 127), s, 4);
    ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN, {0}};
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
    struct epoll_event out[2];
    printf("epoll_wait, nothing pending: "); show(epoll_wait(ep, out, 2, 0));
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);
    printf("after kill(getpid(), SIGUSR1) twice, epoll_wait: "); show(epoll_wait(ep, out, 2, 0));
    struct pollfd p = {sfd, POLLIN | POLLOUT, 0};
    int pr = poll(&p, 1, 0);
    printf("poll for IN|OUT: %d, revents %d (POLLIN)\n", pr, p.revents);
    info("read of 4 (a standard signal merges)", read(sfd, s, sizeof s), s, 4);
    raise(40);
    raise(40);
    info("raise(40) twice, read of 4 (a real-time signal queues)", read(sfd, s, sizeof s), s, 4);
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, NULL);
    raise(SIGTERM);
    info("SIGTERM blocked and pending, not in the mask: read", read(sfd, s, sizeof s), s, 4);
    printf("signalfd(sfd, [TERM], 0) changes its mask: "); show(signalfd(sfd, &term, 0));
    info("then read", read(sfd, s, sizeof s), s, 4);
    signalfd(sfd, &mask, 0);
    int pp[2];
    pipe(pp);
    printf("signalfd(pipe fd): "); show(signalfd(pp[0], &mask, 0));
    printf("signalfd(99): "); show(signalfd(99, &mask, 0));
    printf("signalfd(-1, mask, O_APPEND): "); show(signalfd(-1, &mask, O_APPEND));
    printf("signalfd4 with sizemask 4: "); show(syscall(SYS_signalfd4, -1, &mask, 4, 0));

    pthread_t t;
    pthread_create(&t, NULL, epoll_then_read, NULL);
    sleep_ms(20);
    kill(getpid(), SIGUSR2);
    pthread_join(t, NULL);
    info("a thread in epoll_wait, kill(getpid(), SIGUSR2) 20 ms later, then read", res, &got, 1);
    int bfd = signalfd(-1, &mask, 0);
    pthread_create(&t, NULL, blocking_read, (void *)(long)bfd);
    sleep_ms(20);
    kill(getpid(), SIGUSR1);
    pthread_join(t, NULL);
    info("a thread in a blocking read, kill(getpid(), SIGUSR1) 20 ms later", res, &got, 1);
    return 0;
}
