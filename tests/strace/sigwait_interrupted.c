/* strace -e trace also: rt_sigaction,rt_sigtimedwait,rt_sigreturn,tgkill */
/* glibc's sigwait interrupted by a handler, as strace 6.1 shows it: its rt_sigtimedwait ends
   with -1 EINTR (the kernel never restarts it; the siginfo_t glibc passes from its stack is an
   address then), rt_sigreturn returns that EINTR, and glibc's loop makes the call again, which
   takes the signal it waits for. pthread_kill to another thread is its tgkill (the signals
   glibc blocks around it are left out here: pthread_create blocks them too), and nothing for a
   thread that has ended. The other thread waits spinning on the vDSO's clock, which strace
   does not see, before the first signal, and joins a thread that does so before the second. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static pthread_t main_thread;
static void on_usr2(int sig) { (void)sig; }
static void wait_30ms(void) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do {
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 30000000L);
}
static void *waiter(void *arg) {
    wait_30ms();
    return arg;
}
/* Waits in pthread_join (a futex, not traced here) for a thread that waits 30 ms: the main
   thread runs meanwhile. */
static void *killer(void *arg) {
    pthread_t w;
    (void)arg;
    wait_30ms();
    pthread_kill(main_thread, SIGUSR2);
    pthread_create(&w, NULL, waiter, NULL);
    pthread_join(w, NULL);
    pthread_kill(main_thread, SIGUSR1);
    return NULL;
}
static void *nothing(void *arg) { return arg; }
int main(void) {
    struct sigaction sa;
    sigset_t set;
    pthread_t t;
    int sig;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    main_thread = pthread_self();
    pthread_create(&t, NULL, killer, NULL);
    sigwait(&set, &sig);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, nothing, NULL);
    pthread_join(t, NULL);
    pthread_kill(t, SIGUSR1);
    pthread_kill(t, 65);
    return 0;
}
