// Native version of programs/fds/socketpair_threaded.mir (Miri libc-pipe.rs test_socketpair_threaded).
#include "scen.h"

static int p[2];

static void *reader(void *arg) {
    (void)arg;
    char buf[8];
    say("reader: reading 5");
    long r = read(p[1], buf, 5);
    lock();
    shown_("reader: read on sv1", r, errno, buf);
    unlock();
    return NULL;
}

static void *writer(void *arg) {
    (void)arg;
    msleep(50);
    lock();
    w("writer: write 12345 on sv1", p[1], "12345", 5);
    unlock();
    return NULL;
}

int main(void) {
    init();
    char buf[8];
    SHOW("main: socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, p));
    pthread_t t = spawn(reader, 0);
    msleep(50);
    lock();
    w("main: write abcde on sv0", p[0], "abcde", 5);
    unlock();
    join(t);
    t = spawn(writer, 0);
    say("main: reading 5");
    long r = read(p[0], buf, 5);
    lock();
    shown_("main: read on sv0", r, errno, buf);
    unlock();
    join(t);
    return 0;
}
