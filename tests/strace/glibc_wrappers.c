/* strace -e trace also: rt_sigaction,rt_sigprocmask,rt_sigtimedwait,rt_sigreturn,tgkill,getpid,gettid */
/* What glibc's signal wrappers hand the kernel, as strace 6.1 shows it: nothing when glibc
   refuses the arguments itself (sigaction, signal and raise of its own signals 32 and 33 or of
   a number outside 1-64, signal's SIG_ERR, pthread_kill of 32), the set without 32 and 33 for
   sigprocmask and pthread_sigmask (whose error is rt_sigprocmask's -1 EINVAL), tgkill alone for
   pthread_kill to the calling thread, rt_sigtimedwait with glibc's own siginfo_t for sigwait,
   and signal's old action as an address when rt_sigaction fails. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
static void on_usr1(int sig) { (void)sig; }
int main(void) {
    struct sigaction sa;
    unsigned long set[16], old[16];
    int sig;
    memset(&sa, 0, sizeof sa);
    memset(set, 0, sizeof set);
    sa.sa_handler = on_usr1;
    sigaction(32, &sa, NULL);
    sigaction(33, NULL, NULL);
    sigaction(0, &sa, NULL);
    sigaction(65, &sa, NULL);
    sigaction(-1, NULL, NULL);
    sigaction(63, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(32, on_usr1);
    signal(65, on_usr1);
    signal(0, on_usr1);
    signal(SIGUSR2, SIG_ERR);
    signal(SIGKILL, on_usr1);
    raise(32);
    raise(33);
    raise(65);
    set[0] = (1UL << 31) | (1UL << 32) | (1UL << 9);
    sigprocmask(SIG_BLOCK, (sigset_t *)set, (sigset_t *)old);
    set[0] = 1UL << 31;
    pthread_sigmask(SIG_UNBLOCK, (sigset_t *)set, (sigset_t *)old);
    set[0] = ~0UL;
    sigprocmask(SIG_SETMASK, (sigset_t *)set, (sigset_t *)old);
    pthread_sigmask(99, (sigset_t *)set, (sigset_t *)old);
    pthread_sigmask(99, NULL, NULL);
    set[0] = 0;
    sigprocmask(SIG_SETMASK, (sigset_t *)set, NULL);
    pthread_kill(pthread_self(), SIGUSR1);
    pthread_kill(pthread_self(), 0);
    pthread_kill(pthread_self(), 65);
    pthread_kill(pthread_self(), 32);
    pthread_kill(pthread_self(), 33);
    set[0] = 1UL << 9;
    sigprocmask(SIG_BLOCK, (sigset_t *)set, NULL);
    raise(SIGUSR1);
    sigwait((sigset_t *)set, &sig);
    sigwait((sigset_t *)16, &sig);
    return 0;
}
