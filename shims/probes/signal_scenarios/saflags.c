/* Native twin of programs/signals/saflags.mir: which sa_flags bits an action keeps. Since Linux
 * 5.11 do_sigaction clears every bit outside UAPI_SA_FLAGS (SA_NOCLDSTOP, SA_NOCLDWAIT,
 * SA_SIGINFO, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND, SA_EXPOSE_TAGBITS and, on
 * x86-64, SA_RESTORER): the old action read back has only those. */
#include "sig.h"

static void on_usr1(int sig) { (void)sig; }

int main(void) {
    init();
    static const unsigned long bits[] = {
        0x1, 0x2, 0x4, 0x8, 0x10, 0x400, 0x800, 0x1000, 0x100000, 0x8000000, 0x10000000, 0x20000000,
        0x40000000, 0x80000000UL, 0x100000000UL, 0x8000000000000000UL,
    };
    for (unsigned i = 0; i < sizeof bits / sizeof *bits; i++) {
        struct ksigaction a = {on_usr1, bits[i] | 0x04000000, (void *)0x1000, 0}, old;
        memset(&old, 0, sizeof old);
        syscall(SYS_rt_sigaction, SIGUSR1, &a, NULL, 8);
        syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 8);
        printf("rt_sigaction flags %#lx|SA_RESTORER: old flags %#lx\n", bits[i], old.flags);
    }
    /* glibc's sigaction: an int of flags, SA_RESTORER added. */
    struct sigaction sa, so;
    memset(&sa, 0, sizeof sa);
    memset(&so, 0, sizeof so);
    sa.sa_handler = on_usr1;
    sa.sa_flags = 0x10a8 | SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGUSR2, NULL, &so);
    printf("sigaction flags 0x100010a8: old flags %#x\n", (unsigned)so.sa_flags);
    return 0;
}
