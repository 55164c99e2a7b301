// Native version of programs/fds/pipe_dup_lifetime.mir.
#include "scen.h"

int main(void) {
    init();
    int p[2];
    char buf[8];
    SHOW("pipe2 O_NONBLOCK", pipe2(p, O_NONBLOCK));
    int d;
    SHOW("dup write end", d = dup(p[1]));
    SHOW("close write end", close(p[1]));
    rd("read (a writer is left: no EOF)", p[0], buf, 8);
    SHOW("write ab through the dup", write(d, "ab", 2));
    rd("read", p[0], buf, 8);
    SHOW("close the dup (the last writer)", close(d));
    rd("read (EOF)", p[0], buf, 8);
    SHOW("pipe2 O_NONBLOCK", pipe2(p, O_NONBLOCK));
    SHOW("dup read end", d = dup(p[0]));
    SHOW("close read end", close(p[0]));
    SHOW("write x (a reader is left)", write(p[1], "x", 1));
    SHOW("close the dup (the last reader)", close(d));
    SHOW("write x", write(p[1], "x", 1));
    SHOW("pipe2 O_NONBLOCK", pipe2(p, O_NONBLOCK));
    SHOW("F_DUPFD write end, 10", fcntl(p[1], F_DUPFD, 10));
    SHOW("dup2 write end to 20", dup2(p[1], 20));
    SHOW("close write end", close(p[1]));
    SHOW("close 10", close(10));
    rd("read (20 is still a writer)", p[0], buf, 8);
    SHOW("dup2 read end onto 20 (closes the last writer)", dup2(p[0], 20));
    rd("read (EOF)", p[0], buf, 8);
    rd("read through 20 (the read end now)", 20, buf, 8);
    return 0;
}
