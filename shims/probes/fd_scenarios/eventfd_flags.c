// Native version of programs/fds/eventfd_flags.mir.
#include "scen.h"

int main(void) {
    init();
    int e, f;
    SHOW("eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK)", e = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    SHOW("F_GETFL", fcntl(e, F_GETFL));
    SHOW("F_GETFD", fcntl(e, F_GETFD));
    rv("read on 0", e);
    SHOW("eventfd(10, 0)", f = eventfd(10, 0));
    SHOW("F_GETFL", fcntl(f, F_GETFL));
    SHOW("F_GETFD", fcntl(f, F_GETFD));
    SHOW("F_SETFL O_NONBLOCK", fcntl(f, F_SETFL, O_NONBLOCK));
    SHOW("F_GETFL", fcntl(f, F_GETFL));
    rv("read", f);
    rv("read on 0 after F_SETFL O_NONBLOCK", f);
    SHOW("F_SETFL O_APPEND", fcntl(f, F_SETFL, O_APPEND));
    SHOW("F_GETFL", fcntl(f, F_GETFL));
    SHOW("F_SETFL O_WRONLY|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_NONBLOCK",
         fcntl(f, F_SETFL, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_NONBLOCK));
    SHOW("F_GETFL", fcntl(f, F_GETFL));
    SHOW("F_SETFL 0", fcntl(f, F_SETFL, 0));
    SHOW("F_GETFL", fcntl(f, F_GETFL));
    SHOW("eventfd(0, 0x4) unknown flag", eventfd(0, 0x4));
    SHOW("eventfd(0, 0x1234)", eventfd(0, 0x1234));
    SHOW("eventfd(0, O_APPEND)", eventfd(0, O_APPEND));
    SHOW("eventfd(0, EFD_SEMAPHORE)", f = eventfd(0, EFD_SEMAPHORE));
    SHOW("F_GETFL", fcntl(f, F_GETFL));
    SHOW("eventfd(0, 0x100000000 | EFD_NONBLOCK) (flags are an int)", f = syscall(SYS_eventfd2, 0, 0x100000000UL | EFD_NONBLOCK));
    SHOW("F_GETFL", fcntl(f, F_GETFL));
    return 0;
}
