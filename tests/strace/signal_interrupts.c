/* strace -e trace also: rt_sigaction,rt_sigsuspend,rt_sigreturn,tgkill,pselect6,ppoll */
/* A handler interrupting a blocked call, as strace 6.1 shows it: the kernel's restart code
   (read's `? ERESTARTSYS`, made again with SA_RESTART; poll's and clock_nanosleep's
   `? ERESTART_RESTARTBLOCK`; pselect6's, ppoll's and rt_sigsuspend's `? ERESTARTNOHAND`),
   epoll_wait's plain EINTR, and rt_sigreturn returning what the interrupted code sees next.
   For each call a new thread sends the signal once the main thread is blocked: it waits
   spinning on the vDSO's clock, which strace does not see, and the main thread joins it with
   a futex, which this twin does not trace. The handler writes a byte for the restarted read. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
static int fds[2];
static pid_t main_tid;
static void on_usr1(int sig) {
    (void)sig;
    write(fds[1], "x", 1);
}
static void *killer(void *arg) {
    struct timespec a, b;
    (void)arg;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do {
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 30000000L);
    syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
    return NULL;
}
int main(void) {
    struct sigaction sa;
    pthread_t t;
    char c;
    fd_set r;
    struct pollfd p;
    struct epoll_event ev;
    struct timespec ts = {10, 0};
    sigset_t none;
    int ep;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    pipe(fds);
    ep = epoll_create1(0);
    main_tid = gettid();
    sigemptyset(&none);
    p.fd = ep; p.events = POLLIN; p.revents = 0;
    /* Made again after the handler (SA_RESTART), which wrote the byte it reads. */
    pthread_create(&t, NULL, killer, NULL);
    read(fds[0], &c, 1);
    pthread_join(t, NULL);
    FD_ZERO(&r);
    FD_SET(ep, &r);
    pthread_create(&t, NULL, killer, NULL);
    select(ep + 1, &r, NULL, NULL, NULL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, killer, NULL);
    poll(&p, 1, -1);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, killer, NULL);
    epoll_wait(ep, &ev, 1, -1);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, killer, NULL);
    nanosleep(&ts, NULL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, killer, NULL);
    sigsuspend(&none);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, killer, NULL);
    ppoll(&p, 1, NULL, &none);
    pthread_join(t, NULL);
    FD_ZERO(&r);
    FD_SET(ep, &r);
    pthread_create(&t, NULL, killer, NULL);
    pselect(ep + 1, &r, NULL, NULL, NULL, &none);
    pthread_join(t, NULL);
    return 0;
}
