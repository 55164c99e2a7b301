/* Native twin of programs/signals/eintr.mir. */
#include "sig.h"
#include <sys/eventfd.h>
#include <linux/futex.h>
#include <sys/socket.h>

static volatile int count;
static long res, err, rem_ms;
static int fd, ep;

static void on_usr1(int sig) { (void)sig; count++; }

static void handler(int flags) {
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
}

static void *in_epoll(void *a) {
    (void)a;
    struct epoll_event ev[4];
    res = epoll_wait(ep, ev, 4, -1);
    err = errno;
    return NULL;
}
static void *in_read(void *a) {
    (void)a;
    char b[8];
    res = read(fd, b, 8);
    err = errno;
    return NULL;
}
static void *in_sleep(void *a) {
    (void)a;
    struct timespec req = {0, 100000000}, rem = {0, 0};
    res = nanosleep(&req, &rem);
    err = errno;
    rem_ms = rem.tv_nsec / 1000000;
    return NULL;
}
static void *in_poll(void *a) {
    (void)a;
    struct pollfd p = {fd, POLLIN, 0};
    res = poll(&p, 1, -1);
    err = errno;
    return NULL;
}

static unsigned word;
static void *in_futex(void *a) {
    (void)a;
    res = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    err = errno;
    return NULL;
}
static void *in_futex_timed(void *a) {
    (void)a;
    struct timespec t = {0, 100000000};
    res = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &t, NULL, 0);
    err = errno;
    return NULL;
}

/* Runs f on a thread, interrupts it with SIGUSR1 after 20 ms, then (if `wake`) sets the futex
 * word and wakes it 20 ms later; prints the call's result. */
static void interrupt_futex(const char *what, void *(*f)(void *), int wake) {
    pthread_t t;
    int before = count;
    word = 0;
    pthread_create(&t, NULL, f, NULL);
    sleep_ms(20);
    pthread_kill(t, SIGUSR1);
    if (wake) {
        sleep_ms(20);
        __atomic_store_n(&word, 1, __ATOMIC_RELEASE);
        syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    pthread_join(t, NULL);
    printf("%s: ", what);
    if (res < 0) printf("-1 %s", strerrorname_np(err));
    else printf("%ld", res);
    printf(", the handler ran: %d\n", count - before);
}

/* Runs f on a thread, interrupts it with SIGUSR1 after 20 ms, then (if `then` is not -1)
 * writes a byte to `then` 20 ms later; prints the call's result. */
static void interrupt(const char *what, void *(*f)(void *), int then) {
    pthread_t t;
    int before = count;
    pthread_create(&t, NULL, f, NULL);
    sleep_ms(20);
    pthread_kill(t, SIGUSR1);
    if (then >= 0) {
        sleep_ms(20);
        write(then, "x", 1);
    }
    pthread_join(t, NULL);
    printf("%s: ", what);
    if (res < 0) printf("-1 %s", strerrorname_np(err));
    else printf("%ld", res);
    printf(", the handler ran: %d\n", count - before);
}

int main(void) {
    init();
    handler(SA_RESTART);
    ep = epoll_create1(0);
    int efd = eventfd(0, 0);
    struct epoll_event ev = {EPOLLIN, {0}};
    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
    interrupt("epoll_wait, SA_RESTART", in_epoll, -1);
    int p[2];
    pipe(p);
    fd = p[0];
    interrupt("read of a pipe, SA_RESTART (restarted, then the byte)", in_read, p[1]);
    interrupt("poll, SA_RESTART", in_poll, -1);
    interrupt("nanosleep(100 ms), SA_RESTART", in_sleep, -1);
    printf("time left in rem between 50 and 90 ms: %d\n", rem_ms >= 50 && rem_ms <= 90);
    handler(0);
    interrupt("read of a pipe, no SA_RESTART", in_read, -1);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    fd = sv[0];
    interrupt("read of a socket, no SA_RESTART", in_read, -1);
    fd = efd;
    interrupt("read of an eventfd, no SA_RESTART", in_read, -1);
    handler(SA_RESTART);
    fd = sv[0];
    interrupt("read of a socket, SA_RESTART (restarted, then the byte)", in_read, sv[1]);
    interrupt_futex("futex wait, SA_RESTART (restarted, then woken)", in_futex, 1);
    interrupt_futex("futex wait with a 100 ms timeout, SA_RESTART", in_futex_timed, 0);
    handler(0);
    interrupt_futex("futex wait, no SA_RESTART", in_futex, 0);
    return 0;
}
