// Native version of programs/fds/socketpair_basic.mir (Miri libc-socketpair.rs test_socketpair).
#include "scen.h"

int main(void) {
    init();
    int sv[2];
    char buf[16];
    SHOW("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    printf("sv: %d %d\n", sv[0], sv[1]);
    SHOW("write abcde on sv0", write(sv[0], "abcde", 5));
    rd("read 5 on sv1", sv[1], buf, 5);
    SHOW("send 123456789 on sv1", send(sv[1], "123456789", 9, 0));
    errno = 0;
    long r = recv(sv[0], buf, 9, 0);
    shown_("recv 9 on sv0", r, errno, buf);
    SHOW("write abc on sv0", write(sv[0], "abc", 3));
    rd("read 5 on sv1 (3 buffered)", sv[1], buf, 5);
    SHOW("write 12 on sv0", write(sv[0], "12", 2));
    rd("read 5 on sv1", sv[1], buf, 5);
    SHOW("write abc on sv1", write(sv[1], "abc", 3));
    rd("read 5 on sv0 (3 buffered)", sv[0], buf, 5);
    SHOW("write 12 on sv1", write(sv[1], "12", 2));
    rd("read 5 on sv0", sv[0], buf, 5);
    SHOW("write 123 on sv0", write(sv[0], "123", 3));
    SHOW("close sv0", close(sv[0]));
    rd("read 3 on sv1 (data outlives the peer)", sv[1], buf, 3);
    rd("read on sv1 (EOF)", sv[1], buf, 3);
    SHOW("write on sv1 (peer gone)", write(sv[1], "x", 1));
    SHOW("write len=0 on sv1 (peer gone)", write(sv[1], "x", 0));
    return 0;
}
