// Native version of programs/fds/pipe_fcntl_threaded.mir (Miri test_pipe_fcntl_threaded).
#include "scen.h"

static int p[2];

static void *child(void *arg) {
    (void)arg;
    msleep(50);
    lock();
    SHOW("child: F_SETFL read end O_NONBLOCK", fcntl(p[0], F_SETFL, O_NONBLOCK));
    SHOW("child: F_GETFL read end", fcntl(p[0], F_GETFL));
    w("child: write abcde", p[1], "abcde", 5);
    unlock();
    return NULL;
}

int main(void) {
    init();
    char buf[8];
    SHOW("main: pipe", pipe(p));
    pthread_t t = spawn(child, 0);
    say("main: reading 5 (blocking)");
    long r = read(p[0], buf, 5);
    lock();
    shown_("main: read", r, errno, buf);
    unlock();
    join(t);
    SHOW("main: read again (non-blocking now)", read(p[0], buf, 5));
    return 0;
}
