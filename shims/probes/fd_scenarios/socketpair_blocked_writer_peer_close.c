// Native version of programs/fds/socketpair_blocked_writer_peer_close.mir.
#include "scen.h"

static int s0, s1;
static char *data;

static void *writer(void *arg) {
    long n = (long)arg;
    printf("writer: writing %ld on s0 (blocking)\n", n);
    fflush(stdout);
    long r = write(s0, data, n);
    lock();
    show_("writer: write", r, errno);
    unlock();
    return NULL;
}

static void fresh(const char *what, int fill) {
    int sv[2];
    say(what);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) exit(1);
    s0 = sv[0];
    s1 = sv[1];
    if (fill) SHOW("main: write 212992 (SO_SNDBUF) on s0", write(s0, data, 212992));
}

int main(void) {
    init();
    data = calloc(1, 300000);
    char buf[8];
    (void)buf;
    pthread_t t;
    fresh("1. the peer closes with our data unread", 1);
    t = spawn(writer, 1);
    msleep(50);
    lock();
    SHOW("main: close s1", close(s1));
    unlock();
    join(t);
    SHOW("main: write on s0", write(s0, "x", 1));
    SHOW("main: read on s0", read(s0, buf, 8));
    fresh("2. a 300000-byte write, the peer closes without reading", 0);
    t = spawn(writer, 300000);
    msleep(50);
    lock();
    SHOW("main: close s1", close(s1));
    unlock();
    join(t);
    SHOW("main: read on s0", read(s0, buf, 8));
    return 0;
}
