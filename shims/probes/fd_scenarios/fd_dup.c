// Native version of programs/fds/fd_dup.mir.
#include "scen.h"

int main(void) {
    init();
    int e, p[2];
    SHOW("eventfd", e = eventfd(0, EFD_NONBLOCK));
    SHOW("dup", dup(e));
    SHOW("dup -1", dup(-1));
    SHOW("dup 100 (not open)", dup(100));
    wv("write 5 through the dup", 4, 5);
    rv("read through the original (one counter)", e);
    SHOW("dup2(e, e)", dup2(e, e));
    SHOW("dup2(100, 100) (not open)", dup2(100, 100));
    SHOW("dup2(e, -1)", dup2(e, -1));
    SHOW("dup2(-1, 50)", dup2(-1, 50));
    SHOW("dup2(e, 50)", dup2(e, 50));
    SHOW("dup2(e, 20000) (the limit)", dup2(e, 20000));
    SHOW("dup2(e, 19999)", dup2(e, 19999));
    SHOW("dup2(100, 20000) (both bad)", dup2(100, 20000));
    SHOW("dup2(e, 0x100000033) (an int: 51)", syscall(SYS_dup2, e, 0x100000033UL));
    SHOW("F_GETFD 51", fcntl(51, F_GETFD));
    SHOW("close 51", close(51));
    SHOW("dup3(e, e, 0)", dup3(e, e, 0));
    SHOW("dup3(100, 100, 0) (same, not open: EINVAL first)", dup3(100, 100, 0));
    SHOW("dup3(e, 51, O_NONBLOCK)", dup3(e, 51, O_NONBLOCK));
    SHOW("dup3(e, 51, 1)", dup3(e, 51, 1));
    SHOW("dup3(100, 51, 0)", dup3(100, 51, 0));
    SHOW("dup3(e, -1, 0)", dup3(e, -1, 0));
    SHOW("dup3(e, 51, O_CLOEXEC)", dup3(e, 51, O_CLOEXEC));
    SHOW("F_GETFD 51", fcntl(51, F_GETFD));
    SHOW("dup2(e, 51) over a cloexec fd", dup2(e, 51));
    SHOW("F_GETFD 51", fcntl(51, F_GETFD));
    SHOW("dup3(e, 52, 0x100000000|O_CLOEXEC) (an int)", syscall(SYS_dup3, e, 52, 0x100000000UL | O_CLOEXEC));
    SHOW("F_GETFD 52", fcntl(52, F_GETFD));
    SHOW("pipe", pipe(p));
    printf("fds: %d %d\n", p[0], p[1]);
    SHOW("F_SETFL O_NONBLOCK on the read end", fcntl(p[0], F_SETFL, O_NONBLOCK));
    char c;
    SHOW("read (writer open)", read(p[0], &c, 1));
    SHOW("dup2(e, write end) closes the write end", dup2(e, p[1]));
    SHOW("read (the pipe's only writer is gone: EOF)", read(p[0], &c, 1));
    wv("write 7 through the old write end's number (now the eventfd)", p[1], 7);
    rv("read the eventfd", e);
    return 0;
}
