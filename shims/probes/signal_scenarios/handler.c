/* Native twin of programs/signals/handler.mir. */
#include "sig.h"

static volatile int count, last, code, in_mask;

static void on_usr1(int sig) {
    sigset_t cur;
    count++;
    last = sig;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    in_mask = sigismember(&cur, SIGUSR1);
}

static void on_info(int sig, siginfo_t *info, void *uc) {
    (void)uc;
    count++;
    last = info->si_signo;
    code = info->si_code;
}

static long mask_now(void) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    long m = 0;
    for (int s = 1; s < 64; s++) if (sigismember(&cur, s)) m |= 1L << (s - 1);
    return m;
}

static long pending_now(void) {
    sigset_t p;
    sigpending(&p);
    long m = 0;
    for (int s = 1; s < 64; s++) if (sigismember(&p, s)) m |= 1L << (s - 1);
    return m;
}

int main(void) {
    init();
    struct sigaction sa = {0}, old = {0};
    sa.sa_handler = on_usr1;
    printf("sigaction(SIGUSR1, handler): "); show(sigaction(SIGUSR1, &sa, NULL));
    printf("raise(SIGUSR1): "); show(raise(SIGUSR1));
    printf("the handler ran before raise returned: count %d, sig %d, SIGUSR1 blocked inside it %d\n", count, last, in_mask);
    printf("mask after the handler: %ld\n", mask_now());

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    printf("sigprocmask(SIG_BLOCK, [USR1]): "); show(sigprocmask(SIG_BLOCK, &set, NULL));
    long k1 = kill(getpid(), SIGUSR1), k2 = kill(getpid(), SIGUSR1);
    printf("kill(getpid(), SIGUSR1) twice: %ld %ld\n", k1, k2);
    printf("blocked, not run: count %d, pending %ld\n", count, pending_now());
    printf("sigprocmask(SIG_UNBLOCK, [USR1]): "); show(sigprocmask(SIG_UNBLOCK, &set, NULL));
    printf("delivered once before it returned (a standard signal merges): count %d, pending %ld\n", count, pending_now());

    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("SA_NODEFER: count %d, SIGUSR1 blocked inside it %d\n", count, in_mask);

    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &old);
    printf("SA_RESETHAND: count %d, then the handler is SIG_DFL: %d\n", count, old.sa_handler == SIG_DFL);

    sa.sa_flags = SA_SIGINFO;
    sa.sa_sigaction = on_info;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("SA_SIGINFO, raise: si_signo %d, si_code %d (SI_TKILL)\n", last, code);
    kill(getpid(), SIGUSR2);
    printf("SA_SIGINFO, kill: si_signo %d, si_code %d (SI_USER)\n", last, code);

    printf("signal(SIGUSR2, SIG_IGN) returned the old handler: %d\n", signal(SIGUSR2, SIG_IGN) == (void *)on_info);
    int before = count;
    printf("raise(SIGUSR2), ignored: "); show(raise(SIGUSR2));
    printf("nothing ran: %d\n", count == before);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR2);
    printf("ignored but blocked: pending %ld\n", pending_now());
    signal(SIGUSR2, SIG_IGN);
    printf("setting SIG_IGN again discards it: pending %ld\n", pending_now());
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("SIGCHLD by default is ignored: "); show(raise(SIGCHLD));
    return 0;
}
