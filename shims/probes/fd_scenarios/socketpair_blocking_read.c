// Native version of programs/fds/socketpair_blocking_read.mir (Miri test_blocking_read).
#include "scen.h"

static int sv[2];

static void *reader(void *arg) {
    (void)arg;
    char buf[4];
    say("reader: reading 3 on sv1");
    long r = read(sv[1], buf, 3);
    lock();
    shown_("reader: read", r, errno, buf);
    unlock();
    return NULL;
}

static void *writer(void *arg) {
    (void)arg;
    lock();
    w("writer: write abc on sv0", sv[0], "abc", 3);
    unlock();
    return NULL;
}

int main(void) {
    init();
    SHOW("main: socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    pthread_t r = spawn(reader, 0);
    msleep(50);
    pthread_t w = spawn(writer, 0);
    join(r);
    join(w);
    say("main: joined both");
    return 0;
}
