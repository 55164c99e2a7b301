// Native version of programs/fds/eventfd_read_write.mir (Miri libc-eventfd.rs test_read_write,
// test_initval).
#include "scen.h"

int main(void) {
    init();
    char buf[16] = {0};
    int e;
    SHOW("eventfd(0, EFD_NONBLOCK)", e = eventfd(0, EFD_NONBLOCK));
    wv("write 1", e, 1);
    wv("write 0", e, 0);
    rv("read", e);
    rv("read again", e);
    SHOW("write len=9", write(e, buf, 9));
    SHOW("read len=7", read(e, buf, 7));
    SHOW("write len=7", write(e, buf, 7));
    SHOW("write len=0", write(e, buf, 0));
    SHOW("read len=0", read(e, buf, 0));
    wv("write 2", e, 2);
    rvn("read len=9", e, 9);
    wv("write 0xffffffffffffffff", e, UINT64_MAX);
    wv("write 3", e, 3);
    wv("write 4", e, 4);
    rvn("read len=16 (sum)", e, 16);
    int f;
    SHOW("eventfd(10, 0)", f = eventfd(10, 0));
    rv("read initval", f);
    return 0;
}
