// Native version of programs/fds/pipe_basic.mir.
#include "scen.h"

int main(void) {
    init();
    int fds[2];
    char buf[8];
    long r;
    SHOW("pipe", pipe(fds));
    printf("fds: %d %d\n", fds[0], fds[1]);
    SHOW("write abcde", write(fds[1], "abcde", 5));
    SHOW("read 5", r = read(fds[0], buf, 5));
    bytes("bytes", buf, r);
    SHOW("write abc", write(fds[1], "abc", 3));
    SHOW("read 5 of 3 buffered", r = read(fds[0], buf, 5));
    bytes("bytes", buf, r);
    SHOW("write 12", write(fds[1], "12", 2));
    SHOW("read 5", r = read(fds[0], buf, 5));
    bytes("bytes", buf, r);
    return 0;
}
