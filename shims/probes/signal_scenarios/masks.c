/* Native twin of programs/signals/masks.mir. */
#include "sig.h"
#include <sys/select.h>

static volatile int count, mask_in_handler;

static long mask_now(void) {
    uint64_t m = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
    return (long)m;
}

static void on_usr1(int sig) { (void)sig; count++; mask_in_handler = (int)mask_now(); }

static void after(const char *what, long r) {
    printf("%s: ", what);
    if (r < 0) printf("-1 %s", strerrorname_np(errno));
    else printf("%ld", r);
    printf(", handler ran %d, mask in it %d, mask after %ld\n", count, mask_in_handler, mask_now());
}

static void *suspender(void *a) {
    (void)a;
    sigset_t none;
    sigemptyset(&none);
    long r = sigsuspend(&none);
    after("a thread in sigsuspend, pthread_kill 20 ms later", r);
    return NULL;
}

int main(void) {
    init();
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t usr1, none;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    raise(SIGUSR1);
    printf("blocked and raised: handler ran %d\n", count);
    after("sigsuspend([])", sigsuspend(&none));
    int p[2];
    pipe(p);
    struct pollfd pf = {p[0], POLLIN, 0};
    struct timespec second = {1, 0};
    raise(SIGUSR1);
    after("ppoll(empty pipe, 1 s, []) with SIGUSR1 pending", ppoll(&pf, 1, &second, &none));
    int ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN, {0}}, out[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    raise(SIGUSR1);
    after("epoll_pwait(empty, 1000 ms, []) with SIGUSR1 pending", epoll_pwait(ep, out, 2, 1000, &none));
    raise(SIGUSR1);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    after("pselect(empty pipe, 1 s, []) with SIGUSR1 pending", pselect(p[0] + 1, &rd, NULL, NULL, &second, &none));
    write(p[1], "x", 1);
    raise(SIGUSR1);
    after("ppoll(a readable pipe, 1 s, []) with SIGUSR1 pending", ppoll(&pf, 1, &second, &none));
    sigset_t pend;
    sigpending(&pend);
    printf("still pending: %d\n", sigismember(&pend, SIGUSR1));
    after("sigprocmask(SIG_UNBLOCK, [USR1])", sigprocmask(SIG_UNBLOCK, &usr1, NULL));
    pthread_t t;
    pthread_create(&t, NULL, suspender, NULL);
    sleep_ms(20);
    pthread_kill(t, SIGUSR1);
    pthread_join(t, NULL);
    return 0;
}
