// Native version of programs/fds/pipe_eof_epipe.mir.
#include "scen.h"

int main(void) {
    init();
    int p[2];
    char buf[16];
    SHOW("pipe", pipe(p));
    SHOW("read len=0 on the empty blocking pipe", read(p[0], buf, 0));
    SHOW("write on the read end", write(p[0], "x", 1));
    SHOW("write len=0 on the read end", write(p[0], "x", 0));
    SHOW("read on the write end", read(p[1], buf, 1));
    SHOW("read len=0 on the write end", read(p[1], buf, 0));
    SHOW("write abc", write(p[1], "abc", 3));
    SHOW("close the write end", close(p[1]));
    rd("read 1 (data outlives the writer)", p[0], buf, 1);
    rd("read 10", p[0], buf, 10);
    rd("read (EOF)", p[0], buf, 10);
    rd("read again (still EOF, never blocks)", p[0], buf, 10);
    SHOW("close the read end", close(p[0]));
    SHOW("pipe", pipe(p));
    SHOW("close the read end", close(p[0]));
    SHOW("write 1 (no reader)", write(p[1], "x", 1));
    SHOW("write len=0 (no reader)", write(p[1], "x", 0));
    SHOW("write NULL len=1 (no reader)", write(p[1], NULL, 1));
    SHOW("pipe", pipe(p));
    SHOW("write abc", write(p[1], "abc", 3));
    SHOW("close the read end with data unread", close(p[0]));
    SHOW("write 1", write(p[1], "x", 1));
    return 0;
}
