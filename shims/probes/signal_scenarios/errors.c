/* Native twin of programs/signals/errors.mir. */
#include "sig.h"

static void on_usr1(int sig) { (void)sig; }
static long ended_tid;
static void *ends(void *a) { ended_tid = syscall(SYS_gettid); return a; }

int main(void) {
    init();
    setpgid(0, 0); /* native only: the run is a process group of its own, as in Spindle */
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_usr1;
    printf("sigaction(0): "); show(sigaction(0, &sa, NULL));
    printf("sigaction(32) (glibc's own): "); show(sigaction(32, &sa, NULL));
    printf("sigaction(33) (glibc's own): "); show(sigaction(33, &sa, NULL));
    printf("sigaction(65): "); show(sigaction(65, &sa, NULL));
    printf("sigaction(SIGKILL, act): "); show(sigaction(SIGKILL, &sa, NULL));
    printf("sigaction(SIGSTOP, act): "); show(sigaction(SIGSTOP, &sa, NULL));
    printf("sigaction(SIGKILL, NULL, &old): "); show(sigaction(SIGKILL, NULL, &old));
    struct ksigaction k = {0}, kold;
    k.handler = (void *)on_usr1;
    printf("rt_sigaction(32) (the kernel takes it): "); show(syscall(SYS_rt_sigaction, 32, &k, NULL, 8));
    printf("rt_sigaction(64): "); show(syscall(SYS_rt_sigaction, 64, NULL, &kold, 8));
    printf("rt_sigaction(65): "); show(syscall(SYS_rt_sigaction, 65, NULL, &kold, 8));
    printf("rt_sigaction, sigsetsize 9: "); show(syscall(SYS_rt_sigaction, SIGUSR1, &k, NULL, 9));
    printf("rt_sigaction, sigsetsize 9 and signal 0: "); show(syscall(SYS_rt_sigaction, 0, &k, NULL, 9));
    printf("rt_sigaction, act a bad pointer: "); show(syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8));
    printf("rt_sigaction, oact a bad pointer: "); show(syscall(SYS_rt_sigaction, SIGUSR1, NULL, (void *)8, 8));
    printf("rt_sigaction, signal 0 and act a bad pointer: "); show(syscall(SYS_rt_sigaction, 0, (void *)8, NULL, 8));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    printf("sigprocmask(99, set): "); show(sigprocmask(99, &set, NULL));
    printf("sigprocmask(99, NULL, &old): "); show(sigprocmask(99, NULL, &set));
    printf("rt_sigprocmask, sigsetsize 4: "); show(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4));
    printf("rt_sigprocmask, sigsetsize 1024: "); show(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 1024));
    printf("rt_sigprocmask, set a bad pointer: "); show(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)8, NULL, 8));
    printf("pthread_sigmask(99, set): "); show_err(pthread_sigmask(99, &set, NULL));
    uint64_t all = ~0ull, got = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, 8);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &got, 8);
    printf("blocking every signal leaves KILL and STOP out: %d\n", got == (all & ~((1ull << 8) | (1ull << 18))));
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &got, NULL, 8);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_SETMASK, &set, NULL);
    printf("kill(getpid(), 0): "); show(kill(getpid(), 0));
    printf("kill(getpid(), 65): "); show(kill(getpid(), 65));
    printf("kill(getpid(), -1): "); show(kill(getpid(), -1));
    printf("kill(0x7ffffff0, SIGUSR1): "); show(kill(0x7ffffff0, SIGUSR1));
    printf("tgkill(getpid(), 0x7ffffff0, SIGUSR1): "); show(syscall(SYS_tgkill, getpid(), 0x7ffffff0, SIGUSR1));
    printf("tgkill(getpid(), -1, SIGUSR1): "); show(syscall(SYS_tgkill, getpid(), -1, SIGUSR1));
    printf("tgkill(0, gettid(), SIGUSR1): "); show(syscall(SYS_tgkill, 0, gettid(), SIGUSR1));
    printf("tgkill(getpid(), gettid(), 65): "); show(syscall(SYS_tgkill, getpid(), gettid(), 65));
    printf("raise(65): "); show(raise(65));
    printf("pthread_kill(self, 65): "); show_err(pthread_kill(pthread_self(), 65));
    printf("pthread_kill(self, 0): "); show_err(pthread_kill(pthread_self(), 0));
    pthread_t t;
    pthread_create(&t, NULL, ends, NULL);
    sleep_ms(20);
    printf("pthread_kill(a thread that has ended, SIGUSR1): "); show_err(pthread_kill(t, SIGUSR1));
    printf("tgkill(getpid(), its tid, SIGUSR1): "); show(syscall(SYS_tgkill, getpid(), ended_tid, SIGUSR1));
    pthread_join(t, NULL);
    printf("sigpending(a bad pointer): "); show(syscall(SYS_rt_sigpending, (void *)8, 8));
    printf("sigsuspend(a bad pointer): "); show(syscall(SYS_rt_sigsuspend, (void *)8, 8));
    /* The target is looked up before the signal is checked. */
    printf("kill(0x7ffffff0, 65): "); show(kill(0x7ffffff0, 65));
    printf("kill(INT_MIN, 0): "); show(kill(-0x7fffffff - 1, 0));
    printf("kill(-getpid() - 1, 65): "); show(kill(-getpid() - 1, 65));
    printf("kill(0, 65): "); show(kill(0, 65));
    printf("tgkill(getpid(), 0x7ffffff0, 65): "); show(syscall(SYS_tgkill, getpid(), 0x7ffffff0, 65));
    printf("tgkill(getpid() + 1, gettid(), 65): "); show(syscall(SYS_tgkill, getpid() + 1, gettid(), 65));
    return 0;
}
