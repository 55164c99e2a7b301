// Native version of programs/fds/socketpair_unblock_after_close.mir (Miri
// test_unblock_after_socket_close).
#include "scen.h"

static int sv[2];

static void *other(void *arg) {
    (void)arg;
    msleep(50);
    lock();
    SHOW("other: close the client fd", close(sv[0]));
    w("other: write 1234 on the server end", sv[1], "1234", 4);
    unlock();
    return NULL;
}

int main(void) {
    init();
    char buf[8];
    SHOW("main: socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    pthread_t t = spawn(other, 0);
    say("main: reading 4 on the client end");
    long r = read(sv[0], buf, 4);
    lock();
    shown_("main: read", r, errno, buf);
    unlock();
    join(t);
    SHOW("main: read the client fd again (closed now)", read(sv[0], buf, 4));
    SHOW("main: write on the server end (the client end is gone now)", write(sv[1], "x", 1));
    return 0;
}
