/* Native twin of programs/processes/sigchld.mir. */
#include "procs.h"
#include <signal.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>

static volatile int count, code, status, pid;
static void on_chld(int s, siginfo_t *si, void *u) {
    (void)s; (void)u;
    count++;
    code = si->si_code;
    status = si->si_status;
    pid = si->si_pid;
}

static uint64_t pending_now(void) { uint64_t p = 0; syscall(SYS_rt_sigpending, &p, 8); return p; }

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}


static void handled(pid_t c) {
    printf("handler ran %d: si_code %d si_status %d si_pid-is-child %d\n", count, code, status, pid == c);
}

int main(void) {
    init();
    pid_t c = fork();
    if (c == 0) _exit(3);
    waited("SIG_DFL: waitpid", c);
    printf("pending 0x%lx\n", (unsigned long)pending_now());

    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    c = fork();
    if (c == 0) _exit(4);
    siginfo_t si;
    long r = sigwaitinfo(&chld, &si);
    printf("blocked, sigwaitinfo([CHLD]) after _exit(4): %ld si_code %d si_status %d si_pid-is-child %d\n", r, si.si_code,
           si.si_status, si.si_pid == c);
    waited("then waitpid", c);

    int p[2];
    pipe(p);
    c = fork();
    if (c == 0) read_forever(p[0]);
    kill(c, SIGTERM);
    r = sigwaitinfo(&chld, &si);
    printf("killed by SIGTERM, sigwaitinfo([CHLD]): %ld si_code %d si_status %d si_pid-is-child %d\n", r, si.si_code,
           si.si_status, si.si_pid == c);
    waited("then waitpid", c);

    int sfd = signalfd(-1, &chld, 0);
    c = fork();
    if (c == 0) _exit(5);
    struct signalfd_siginfo ssi;
    r = read(sfd, &ssi, sizeof ssi);
    printf("signalfd read after _exit(5): %ld ssi_signo %u ssi_code %d ssi_status %d ssi_pid-is-child %d\n", r, ssi.ssi_signo,
           ssi.ssi_code, ssi.ssi_status, (pid_t)ssi.ssi_pid == c);
    waited("then waitpid", c);

    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, NULL);
    sigprocmask(SIG_UNBLOCK, &chld, NULL);
    c = fork();
    if (c == 0) _exit(6);
    waited("a handler: waitpid", c);
    handled(c);

    c = fork();
    if (c == 0) {
        sleep_ms(20);
        _exit(7);
    }
    lab("a handler: nanosleep(1 s), the child exits after 20 ms"); show(nanosleep(&(struct timespec){1, 0}, NULL));
    handled(c);
    waited("then waitpid", c);

    c = fork();
    if (c == 0) read_forever(p[0]);
    kill(c, SIGKILL);
    waited("a handler: SIGKILL, waitpid", c);
    handled(c);

    sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);
    c = fork();
    if (c == 0) _exit(8);
    waited("SA_NOCLDWAIT: waitpid", c);
    handled(c);

    signal(SIGCHLD, SIG_IGN);
    c = fork();
    if (c == 0) _exit(8);
    waited("SIG_IGN: waitpid", c);
    printf("handler ran %d, pending 0x%lx\n", count, (unsigned long)pending_now());
    return 0;
}
