// Native version of programs/fds/eventfd_efault.mir. A Spindle allocation of N bytes is played
// by guarded(N): N mapped bytes followed by an unmapped page. A freed allocation is an unmapped
// page; a string literal is read-only memory.
#include "scen.h"

int main(void) {
    init();
    int e = eventfd(0, EFD_NONBLOCK);
    SHOW("read(e, NULL, 8) on 0", read(e, NULL, 8));
    wv("write 1", e, 1);
    SHOW("read(e, NULL, 8) on 1", read(e, NULL, 8));
    rv("read again (the faulting read consumed the counter)", e);
    SHOW("write(e, NULL, 8)", write(e, NULL, 8));
    SHOW("write(e, NULL, 9) (the length first)", write(e, NULL, 9));
    SHOW("write(e, NULL, 0)", write(e, NULL, 0));
    SHOW("read(e, NULL, 7) (the length first)", read(e, NULL, 7));
    SHOW("read(e, NULL, 0)", read(e, NULL, 0));
    char *four = guarded(4);
    memset(four, 0, 4);
    four[0] = 5;
    SHOW("write from a 4-byte buffer, len 8", write(e, four, 8));
    rv("read (nothing was added)", e);
    char *twelve = guarded(12);
    memset(twelve, 0, 12);
    twelve[4] = 6;
    SHOW("write from the last 8 bytes of a 12-byte buffer", write(e, twelve + 4, 8));
    wv("write 7", e, 7);
    SHOW("read into a 4-byte buffer, len 8", read(e, four, 8));
    printf("first byte of the 4-byte buffer: %d\n", four[0]);
    rv("read again (consumed)", e);
    char *freed = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(freed, 4096);
    wv("write 9", e, 9);
    SHOW("read into a freed buffer", read(e, freed, 8));
    wv("write 9", e, 9);
    SHOW("read into a string literal", read(e, (char *)"12345678", 8));
    SHOW("write from a string literal (value 1)", write(e, "\x01\0\0\0\0\0\0\0", 8));
    rv("read", e);
    return 0;
}
