// Native version of programs/fds/eventfd_counter_limit.mir.
#include "scen.h"

int main(void) {
    init();
    int e = eventfd(0, EFD_NONBLOCK);
    wv("write 0xfffffffffffffffe (max) on 0", e, 0xfffffffffffffffeULL);
    wv("write 0 at max", e, 0);
    wv("write 1 at max", e, 1);
    rv("read at max", e);
    wv("write 5", e, 5);
    wv("write 0xfffffffffffffffa (5 + it = max + 1)", e, 0xfffffffffffffffaULL);
    wv("write 0xfffffffffffffff9 (5 + it = max)", e, 0xfffffffffffffff9ULL);
    rv("read", e);
    rv("read at 0", e);
    int f;
    SHOW("eventfd(0xffffffff, EFD_NONBLOCK)", f = eventfd(0xffffffffu, EFD_NONBLOCK));
    rv("read initval", f);
    // The guest passes 64-bit arguments; the kernel reads initval as an unsigned int.
    SHOW("eventfd(0x100000007, EFD_NONBLOCK)", f = syscall(SYS_eventfd2, 0x100000007UL, EFD_NONBLOCK));
    rv("read initval", f);
    return 0;
}
