/* Native twin of programs/processes/fork_signals.mir. */
#include "procs.h"
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>

static volatile int count;
static void on_usr1(int s) { (void)s; count++; }

static uint64_t pending_now(void) { uint64_t p = 0; syscall(SYS_rt_sigpending, &p, 8); return p; }
static uint64_t mask_now(void) { uint64_t m = 0; syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8); return m; }


int main(void) {
    init();
    setpgid(0, 0); /* native only: the run is a process group of its own, as in Spindle */
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    uint64_t usr2 = 1 << 11;
    sigset_t s1, s2;
    sigemptyset(&s1); sigaddset(&s1, SIGUSR1);
    sigemptyset(&s2); sigaddset(&s2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s2, NULL);
    raise(SIGUSR2);
    pid_t c = fork();
    if (c == 0) {
        int code = 0;
        if (mask_now() == usr2) code |= 1;
        if (pending_now() == 0) code |= 2;
        raise(SIGUSR1);
        if (count == 1) code |= 4;
        _exit(code);
    }
    waited("child: the mask inherited 1, nothing pending 2, the handler inherited 4", c);
    printf("parent: pending 0x%lx, handler ran %d\n", (unsigned long)pending_now(), count);

    c = fork();
    if (c == 0) {
        signal(SIGUSR1, SIG_IGN);
        raise(SIGUSR1);
        _exit(10 + count);
    }
    waited("child: signal(USR1, SIG_IGN), raise(USR1), exit 10 + handler runs", c);
    raise(SIGUSR1);
    printf("parent: raise(USR1) after, handler ran %d\n", count);

    sigprocmask(SIG_BLOCK, &s1, NULL);
    c = fork();
    if (c == 0) {
        siginfo_t si;
        int s = sigwaitinfo(&s1, &si);
        _exit((s == SIGUSR1) | (si.si_code == SI_USER) << 1 | (si.si_pid == getppid()) << 2);
    }
    lab("kill(child, USR1)"); show(kill(c, SIGUSR1));
    waited("child: sigwaitinfo([USR1]) took it 1, SI_USER 2, si_pid its parent 4", c);
    printf("parent: pending 0x%lx, handler ran %d\n", (unsigned long)pending_now(), count);

    siginfo_t si;
    lab("parent: sigwaitinfo([USR2]), its own raise");
    long r = sigwaitinfo(&s2, &si);
    printf("%ld code %d pid-is-mine %d\n", r, si.si_code, si.si_pid == getpid());
    c = fork();
    if (c == 0) _exit(kill(getppid(), SIGUSR2) == 0 ? 0 : 1);
    waited("child: kill(getppid(), USR2)", c);
    lab("parent: sigwaitinfo([USR2])");
    r = sigwaitinfo(&s2, &si);
    printf("%ld code %d pid-is-child %d\n", r, si.si_code, si.si_pid == c);

    int p[2];
    pipe(p);
    c = fork();
    if (c == 0) read_forever(p[0]);
    lab("kill(child blocked in read, SIGTERM)"); show(kill(c, SIGTERM));
    waited("child killed by SIGTERM", c);
    c = fork();
    if (c == 0) {
        signal(SIGUSR1, SIG_DFL);
        sigprocmask(SIG_UNBLOCK, &s1, NULL);
        read_forever(p[0]);
    }
    lab("kill(child, USR1), SIG_DFL in the child"); show(kill(c, SIGUSR1));
    waited("child killed by SIGUSR1", c);

    c = fork();
    if (c == 0) _exit(0);
    close(p[1]);
    pipe(p);
    lab("kill(child, 0) before it is reaped"); show(kill(c, 0));
    lab("kill(child, USR2) before it is reaped"); show(kill(c, SIGUSR2));
    waited("that child", c);
    lab("kill(reaped child, 0)"); show(kill(c, 0));
    lab("kill(reaped child, USR1)"); show(kill(c, SIGUSR1));

    c = fork();
    if (c == 0) _exit(sigwaitinfo(&s1, &si));
    lab("kill(0, USR1)"); show(kill(0, SIGUSR1));
    waited("child in the process group: sigwaitinfo([USR1]) exit", c);
    printf("parent: pending 0x%lx\n", (unsigned long)pending_now());
    lab("parent: sigwaitinfo([USR1])"); show(sigwaitinfo(&s1, &si));
    c = fork();
    if (c == 0) _exit(sigwaitinfo(&s2, &si));
    lab("kill(-getpid(), USR2)"); show(kill(-getpid(), SIGUSR2));
    waited("child in the process group: sigwaitinfo([USR2]) exit", c);
    lab("parent: sigwaitinfo([USR2])"); show(sigwaitinfo(&s2, &si));
    lab("kill(-getpid() - 1, 0), no such group"); show(kill(-getpid() - 1, 0));
    printf("parent: pending 0x%lx, handler ran %d, mask 0x%lx\n", (unsigned long)pending_now(), count, (unsigned long)mask_now());
    return 0;
}
