/* strace -e trace also: rt_sigaction,rt_sigprocmask,rt_sigpending,rt_sigsuspend,rt_sigreturn,kill,tgkill,signalfd4,getpid,gettid */
/* The signal calls as strace 6.1 shows them: glibc's sigaction and signal are rt_sigaction
   with the kernel's struct (SA_RESTORER and glibc's restorer added), raise is tgkill (after
   the gettid and getpid tests/strace.rs leaves out), signalfd is signalfd4 with the mask's
   size; a delivery is `--- SIGUSR1 {…} ---`, the handler's return rt_sigreturn with what the
   interrupted code sees, sigsuspend's `? ERESTARTNOHAND`. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>
static void on_usr1(int sig) { (void)sig; }
static void on_info(int sig, siginfo_t *info, void *uc) { (void)sig; (void)info; (void)uc; }
int main(void) {
    struct sigaction sa, old;
    unsigned long k[4], kold[4];
    sigset_t set, prev, none;
    int fd;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR1, NULL, &old);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, 36);
    sigaction(SIGUSR2, &sa, &old);
    sigaction(SIGKILL, &sa, NULL);
    /* The system call itself, with the kernel's struct: no restorer. */
    k[0] = (unsigned long)SIG_IGN; k[1] = SA_RESTART; k[2] = 0; k[3] = 1;
    syscall(SYS_rt_sigaction, SIGUSR2, k, kold, 8);
    syscall(SYS_rt_sigaction, SIGUSR2, NULL, kold, 8);
    syscall(SYS_rt_sigaction, SIGUSR2, (void *)16, NULL, 8);
    syscall(SYS_rt_sigaction, SIGUSR2, k, NULL, 9);
    /* An unknown flag (Linux drops it from the action it keeps: SIG_DFL and 0 again after). */
    k[0] = 0; k[1] = 0x8; k[3] = 0;
    syscall(SYS_rt_sigaction, SIGUSR2, k, NULL, 8);
    k[1] = 0;
    syscall(SYS_rt_sigaction, SIGUSR2, k, NULL, 8);
    signal(SIGUSR2, SIG_DFL);
    signal(SIGINT, on_usr1);
    /* raise: delivered before it returns. */
    raise(SIGUSR1);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    sigpending(&prev);
    fd = signalfd(-1, &set, SFD_NONBLOCK);
    signalfd(-1, &set, 1);
    close(fd);
    /* Unblocked: the thread's own signal first, then the process's. */
    sigprocmask(SIG_UNBLOCK, &set, &prev);
    sigprocmask(99, &set, NULL);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    sigemptyset(&none);
    sigsuspend(&none);
    kill(getpid(), 65);
    syscall(SYS_tgkill, getpid(), gettid(), 0);
    syscall(SYS_tgkill, getpid(), -1, SIGUSR1);
    return 0;
}
