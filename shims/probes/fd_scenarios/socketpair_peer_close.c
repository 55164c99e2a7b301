// Native version of programs/fds/socketpair_peer_close.mir.
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
    fresh("1. s0 closes; its data for s1 is unread");
    SHOW("s0 write abc", write(s0, "abc", 3));
    SHOW("close s0", close(s0));
    rd("s1 read", s1, buf, 10);
    rd("s1 read again", s1, buf, 10);
    SHOW("s1 write", write(s1, "x", 1));
    SHOW("s1 write len=0", write(s1, "x", 0));
    SHOW("s1 shutdown(SHUT_RDWR)", shutdown(s1, SHUT_RDWR));
    fresh("2. s0 closes with data from s1 unread");
    SHOW("s0 write ab", write(s0, "ab", 2));
    SHOW("s1 write xyz", write(s1, "xyz", 3));
    SHOW("close s0", close(s0));
    rd("s1 read (its own data first)", s1, buf, 10);
    rd("s1 read (the lost data)", s1, buf, 10);
    rd("s1 read (reported once, then EOF)", s1, buf, 10);
    SHOW("s1 write", write(s1, "x", 1));
    fresh("3. same, s1 writes first");
    SHOW("s1 write xyz", write(s1, "xyz", 3));
    SHOW("close s0", close(s0));
    SHOW("s1 write (EPIPE: the reset stays pending)", write(s1, "x", 1));
    rd("s1 read", s1, buf, 10);
    rd("s1 read", s1, buf, 10);
    fresh("4. same, zero-length reads");
    SHOW("s1 write xyz", write(s1, "xyz", 3));
    SHOW("close s0", close(s0));
    SHOW("s1 read len=0 (does not look)", read(s1, buf, 0));
    SHOW("s1 recv len=0 (takes the reset)", recv(s1, buf, 0, 0));
    rd("s1 read", s1, buf, 10);
    fresh("5. s0 shut its reading side, then closes with data unread");
    SHOW("s1 write xyz", write(s1, "xyz", 3));
    SHOW("shutdown(s0, SHUT_RD)", shutdown(s0, SHUT_RD));
    SHOW("close s0", close(s0));
    rd("s1 read", s1, buf, 10);
    rd("s1 read", s1, buf, 10);
    fresh("6. a dup keeps s0 open");
    int d = dup(s0);
    SHOW("s1 write xyz", write(s1, "xyz", 3));
    SHOW("close s0", close(s0));
    SHOW("s1 write (s0 lives on in its dup)", write(s1, "x", 1));
    rd("s1 read", s1, buf, 10);
    rd("read the dup", d, buf, 10);
    SHOW("close the dup", close(d));
    SHOW("s1 write", write(s1, "x", 1));
    rd("s1 read", s1, buf, 10);
    return 0;
}
