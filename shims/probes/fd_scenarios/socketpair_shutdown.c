// Native version of programs/fds/socketpair_shutdown.mir.
#include "scen.h"

static int s0, s1;
static char buf[16];

static void fresh(const char *what) {
    int sv[2];
    say(what);
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    s0 = sv[0];
    s1 = sv[1];
}

int main(void) {
    init();
    fresh("SHUT_WR");
    SHOW("s0 write ab", write(s0, "ab", 2));
    SHOW("shutdown(s0, SHUT_WR)", shutdown(s0, SHUT_WR));
    SHOW("s0 write", write(s0, "x", 1));
    SHOW("s0 write len=0", write(s0, "x", 0));
    SHOW("s0 send MSG_NOSIGNAL", send(s0, "x", 1, MSG_NOSIGNAL));
    rd("s1 read (data sent before the shutdown)", s1, buf, 10);
    rd("s1 read again (EOF)", s1, buf, 10);
    SHOW("s1 write xyz (the other direction still works)", write(s1, "xyz", 3));
    rd("s0 read", s0, buf, 10);
    rd("s0 read again", s0, buf, 10);
    SHOW("shutdown(s0, SHUT_WR) again", shutdown(s0, SHUT_WR));
    SHOW("shutdown(s1, SHUT_WR) too", shutdown(s1, SHUT_WR));
    rd("s0 read (EOF now)", s0, buf, 10);
    SHOW("s1 write", write(s1, "x", 1));
    fresh("SHUT_RD");
    SHOW("s1 write ab", write(s1, "ab", 2));
    SHOW("shutdown(s0, SHUT_RD)", shutdown(s0, SHUT_RD));
    SHOW("s1 write (the peer shut its reading side)", write(s1, "x", 1));
    rd("s0 read (data queued before SHUT_RD)", s0, buf, 10);
    rd("s0 read again (EOF)", s0, buf, 10);
    SHOW("s0 write x (its sending side is open)", write(s0, "x", 1));
    rd("s1 read", s1, buf, 10);
    rd("s1 read again", s1, buf, 10);
    fresh("SHUT_RDWR");
    SHOW("s1 write ab", write(s1, "ab", 2));
    SHOW("shutdown(s0, SHUT_RDWR)", shutdown(s0, SHUT_RDWR));
    rd("s0 read (queued data)", s0, buf, 10);
    rd("s0 read (EOF)", s0, buf, 10);
    SHOW("s0 write", write(s0, "x", 1));
    rd("s1 read (EOF)", s1, buf, 10);
    SHOW("s1 write", write(s1, "x", 1));
    SHOW("s0 F_SETFL 0, then read (EOF: no blocking)", (fcntl(s0, F_SETFL, 0), read(s0, buf, 10)));
    fresh("bad how");
    SHOW("shutdown(s0, 3)", shutdown(s0, 3));
    SHOW("shutdown(s0, -1)", shutdown(s0, -1));
    SHOW("shutdown(s0, 7)", shutdown(s0, 7));
    SHOW("shutdown(s0, 0x100000001) (an int: SHUT_WR)", syscall(SYS_shutdown, s0, 0x100000001UL));
    SHOW("s0 write", write(s0, "x", 1));
    SHOW("shutdown(100, SHUT_RD)", shutdown(100, SHUT_RD));
    SHOW("shutdown(100, 7) (EBADF first)", shutdown(100, 7));
    int e = eventfd(0, 0);
    SHOW("shutdown(eventfd, SHUT_RD)", shutdown(e, SHUT_RD));
    SHOW("shutdown(eventfd, 7) (ENOTSOCK first)", shutdown(e, 7));
    SHOW("close s1", close(s1));
    SHOW("shutdown(s0, SHUT_RDWR) after the peer closed", shutdown(s0, SHUT_RDWR));
    return 0;
}
