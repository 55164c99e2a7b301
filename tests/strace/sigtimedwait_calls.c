/* strace -e trace also: rt_sigprocmask,rt_sigtimedwait,tgkill,kill,getpid,gettid */
/* sigtimedwait and sigwaitinfo as strace 6.1 shows them: the rt_sigtimedwait glibc makes, its
   siginfo after a signal was taken, the signal after the count (`= 10 (SIGUSR1)`), the set as
   an address when the size is not 8. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
int main(void) {
    sigset_t s;
    siginfo_t i;
    struct timespec ts = {0, 0};
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR1);
    sigtimedwait(&s, &i, &ts);
    sigtimedwait(&s, &i, &ts);
    kill(getpid(), SIGUSR1);
    sigwaitinfo(&s, &i);
    raise(SIGUSR1);
    sigwaitinfo(&s, NULL);
    syscall(SYS_rt_sigtimedwait, &s, &i, &ts, 9);
    syscall(SYS_rt_sigtimedwait, (void *)16, &i, &ts, 8);
    syscall(SYS_rt_sigtimedwait, &s, &i, (void *)16, 8);
    return 0;
}
