/* Native twin of programs/signals/sigwait.mir. */
#include "sig.h"

static volatile int handled;
static pthread_t main_thread;

static void on_usr2(int sig) { (void)sig; handled++; }

/* "r [signo S code C pid-is-mine P]" or "-1 ENAME". */
static void info(long r, siginfo_t *si) {
    if (r < 0) { printf("-1 %s\n", strerrorname_np(errno)); return; }
    printf("%ld [signo %d code %d pid-is-mine %d]\n", r, si->si_signo, si->si_code, si->si_pid == getpid());
}

static uint64_t pending_now(void) {
    uint64_t p = 0;
    syscall(SYS_rt_sigpending, &p, 8);
    return p;
}

static long rt_sigtimedwait(uint64_t *set, siginfo_t *si, struct timespec *ts, long size) {
    return syscall(SYS_rt_sigtimedwait, set, si, ts, size);
}

static void *kill_usr2_then_usr1(void *a) {
    (void)a;
    sleep_ms(20);
    pthread_kill(main_thread, SIGUSR2);
    sleep_ms(20);
    pthread_kill(main_thread, SIGUSR1);
    return NULL;
}

static void *kill_process(void *a) {
    (void)a;
    sleep_ms(20);
    kill(getpid(), (int)(long)a);
    return NULL;
}

int main(void) {
    init();
    main_thread = pthread_self();
    struct sigaction sa = {0};
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t usr1, usr2, both, rt;
    sigemptyset(&usr1); sigaddset(&usr1, SIGUSR1);
    sigemptyset(&usr2); sigaddset(&usr2, SIGUSR2);
    sigemptyset(&both); sigaddset(&both, SIGUSR1); sigaddset(&both, SIGUSR2);
    sigemptyset(&rt); sigaddset(&rt, 40);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    sigprocmask(SIG_BLOCK, &rt, NULL);
    siginfo_t si;
    int sig = 0;
    struct timespec zero = {0, 0}, ms50 = {0, 50000000}, second = {1, 0};

    raise(SIGUSR1);
    int e = sigwait(&usr1, &sig);
    printf("sigwait([USR1]) with USR1 raised: %d, sig %d, pending after %lu\n", e, sig, (unsigned long)pending_now());
    raise(SIGUSR1);
    memset(&si, 0xff, sizeof si);
    printf("sigwaitinfo([USR1]) with USR1 raised (glibc shows SI_TKILL as SI_USER): "); info(sigwaitinfo(&usr1, &si), &si);
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    memset(&si, 0xff, sizeof si);
    uint64_t kusr1 = 1 << 9, kusr2 = 1 << 11, kboth = kusr1 | kusr2, krt = 1ull << 39, kkill = 1 << 8;
    printf("rt_sigtimedwait([USR1], NULL, 8) after tgkill: "); info(rt_sigtimedwait(&kusr1, &si, NULL, 8), &si);
    kill(getpid(), SIGUSR1);
    memset(&si, 0xff, sizeof si);
    printf("rt_sigtimedwait([USR1], NULL, 8) after kill: "); info(rt_sigtimedwait(&kusr1, &si, NULL, 8), &si);
    printf("bytes after si_uid are zero: ");
    int zeros = 1;
    for (size_t i = 24; i < sizeof si; i++) if (((unsigned char *)&si)[i]) zeros = 0;
    printf("%d\n", zeros);

    printf("sigtimedwait([USR1], zero timeout) with nothing pending: "); info(sigtimedwait(&usr1, &si, &zero), &si);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    printf("sigtimedwait([USR1], NULL info, 50 ms): "); show(sigtimedwait(&usr1, NULL, &ms50));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("waited at least 50 ms: %d\n", (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) >= 50000000);

    raise(40); raise(40); raise(SIGUSR1); raise(SIGUSR1);
    printf("pending after raising 40, 40, USR1, USR1: %#lx\n", (unsigned long)pending_now());
    uint64_t kall = kusr1 | krt;
    for (int i = 0; i < 4; i++) {
        printf("rt_sigtimedwait([USR1 40], zero timeout): "); info(rt_sigtimedwait(&kall, &si, &zero, 8), &si);
    }

    kill(getpid(), SIGUSR1);
    raise(40);
    printf("kill(USR1) to the process, raise(40) to the thread: the thread's own first: ");
    info(rt_sigtimedwait(&kall, &si, &zero, 8), &si);
    printf("then: "); info(rt_sigtimedwait(&kall, &si, &zero, 8), &si);

    raise(SIGUSR1);
    struct timespec bad = {0, 1000000000}, neg = {-1, 0}, negns = {0, -1};
    printf("rt_sigtimedwait, tv_nsec 1000000000, USR1 pending: "); show(rt_sigtimedwait(&kusr1, &si, &bad, 8));
    printf("rt_sigtimedwait, tv_sec -1: "); show(rt_sigtimedwait(&kusr1, &si, &neg, 8));
    printf("rt_sigtimedwait, tv_nsec -1: "); show(rt_sigtimedwait(&kusr1, &si, &negns, 8));
    printf("rt_sigtimedwait, sigsetsize 4: "); show(rt_sigtimedwait(&kusr1, &si, &zero, 4));
    printf("rt_sigtimedwait, sigsetsize 16: "); show(rt_sigtimedwait(&kusr1, &si, &zero, 16));
    printf("rt_sigtimedwait, set NULL: "); show(rt_sigtimedwait(NULL, &si, &zero, 8));
    printf("rt_sigtimedwait, set 0x10: "); show(rt_sigtimedwait((uint64_t *)0x10, &si, &zero, 8));
    printf("rt_sigtimedwait, timeout 0x10: "); show(rt_sigtimedwait(&kusr1, &si, (struct timespec *)0x10, 8));
    printf("USR1 still pending: %lu\n", (unsigned long)(pending_now() >> 9 & 1));
    printf("rt_sigtimedwait, info 0x10: "); show(rt_sigtimedwait(&kusr1, (siginfo_t *)0x10, &zero, 8));
    printf("USR1 still pending after EFAULT: %lu\n", (unsigned long)(pending_now() >> 9 & 1));
    printf("sigwait(NULL set): %d\n", sigwait(NULL, &sig));
    printf("rt_sigtimedwait([KILL], zero timeout): "); show(rt_sigtimedwait(&kkill, &si, &zero, 8));

    pthread_t t;
    pthread_create(&t, NULL, kill_usr2_then_usr1, NULL);
    printf("sigtimedwait([USR1], 1 s), a handled USR2 after 20 ms: "); info(sigtimedwait(&usr1, &si, &second), &si);
    printf("handler ran %d, USR1 then: ", handled); info(sigwaitinfo(&usr1, &si), &si);
    pthread_join(t, NULL);

    pthread_create(&t, NULL, kill_usr2_then_usr1, NULL);
    e = sigwait(&usr1, &sig);
    printf("sigwait([USR1]), a handled USR2 after 20 ms then USR1: %d, sig %d, handler ran %d\n", e, sig, handled);
    pthread_join(t, NULL);

    pthread_create(&t, NULL, kill_process, (void *)(long)SIGUSR2);
    printf("sigwaitinfo([USR2]) (USR2 handled, not blocked), kill(USR2) after 20 ms: "); info(sigwaitinfo(&usr2, &si), &si);
    printf("handler ran %d\n", handled);
    pthread_join(t, NULL);

    pthread_create(&t, NULL, kill_process, (void *)(long)SIGUSR1);
    printf("rt_sigtimedwait([USR1 USR2], NULL), kill(USR1) after 20 ms: "); info(rt_sigtimedwait(&kboth, &si, NULL, 8), &si);
    pthread_join(t, NULL);
    printf("mask after: %#lx\n", (unsigned long)({ uint64_t m = 0; syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8); m; }));
    return 0;
}
