// Native version of programs/fds/eventfd_semaphore.mir.
#include "scen.h"

int main(void) {
    init();
    int e;
    SHOW("eventfd(3, EFD_SEMAPHORE|EFD_NONBLOCK)", e = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK));
    rv("read #1", e);
    rv("read #2", e);
    rvn("read #3 len=16", e, 16);
    rv("read #4", e);
    rvn("read len=7", e, 7);
    wv("write 2", e, 2);
    wv("write 0", e, 0);
    rv("read", e);
    rv("read", e);
    rv("read", e);
    wv("write 0xfffffffffffffffe (max)", e, 0xfffffffffffffffeULL);
    rv("read at max", e);
    wv("write 1 (back to max)", e, 1);
    wv("write 1 at max", e, 1);
    wv("write 0xffffffffffffffff", e, UINT64_MAX);
    return 0;
}
