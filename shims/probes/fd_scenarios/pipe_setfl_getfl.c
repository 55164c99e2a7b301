// Native version of programs/fds/pipe_setfl_getfl.mir (Miri libc-pipe.rs test_pipe_setfl_getfl,
// test_send_recv).
#include "scen.h"

int main(void) {
    init();
    int p[2];
    char c;
    SHOW("pipe", pipe(p));
    SHOW("F_GETFL read end", fcntl(p[0], F_GETFL));
    SHOW("F_GETFL write end", fcntl(p[1], F_GETFL));
    SHOW("F_SETFL read end O_NONBLOCK", fcntl(p[0], F_SETFL, O_NONBLOCK));
    SHOW("F_GETFL read end", fcntl(p[0], F_GETFL));
    SHOW("F_GETFL write end (unchanged)", fcntl(p[1], F_GETFL));
    SHOW("read empty", read(p[0], &c, 1));
    SHOW("F_SETFL read end 0", fcntl(p[0], F_SETFL, 0));
    SHOW("F_GETFL read end", fcntl(p[0], F_GETFL));
    SHOW("F_SETFL read end O_RDWR|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_NONBLOCK",
         fcntl(p[0], F_SETFL, O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_NONBLOCK));
    SHOW("F_GETFL read end", fcntl(p[0], F_GETFL));
    SHOW("F_SETFL write end O_APPEND|O_NONBLOCK", fcntl(p[1], F_SETFL, O_APPEND | O_NONBLOCK));
    SHOW("F_GETFL write end", fcntl(p[1], F_GETFL));
    SHOW("F_SETFL write end O_CLOEXEC (not a status flag)", fcntl(p[1], F_SETFL, O_CLOEXEC));
    SHOW("F_GETFL write end", fcntl(p[1], F_GETFL));
    SHOW("F_GETFD write end", fcntl(p[1], F_GETFD));
    int d;
    SHOW("dup read end", d = dup(p[0]));
    SHOW("F_SETFL dup 0", fcntl(d, F_SETFL, 0));
    SHOW("F_GETFL read end (shared with the dup)", fcntl(p[0], F_GETFL));
    SHOW("F_GETPIPE_SZ read end", fcntl(p[0], F_GETPIPE_SZ));
    SHOW("F_GETPIPE_SZ write end", fcntl(p[1], F_GETPIPE_SZ));
    SHOW("send on the write end", send(p[1], "x", 1, 0));
    SHOW("recv on the read end", recv(p[0], &c, 1, 0));
    SHOW("shutdown on the read end", shutdown(p[0], SHUT_RD));
    SHOW("send NULL on the write end (ENOTSOCK first)", send(p[1], NULL, 1, 0));
    return 0;
}
