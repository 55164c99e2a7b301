// Native version of programs/fds/pipe_threaded.mir (Miri libc-pipe.rs test_pipe_threaded).
#include "scen.h"

static int p[2];

static void *reader(void *arg) {
    (void)arg;
    char buf[8];
    say("reader: reading 5");
    long r = read(p[0], buf, 5);
    lock();
    shown_("reader: read", r, errno, buf);
    unlock();
    return NULL;
}

static void *writer(void *arg) {
    (void)arg;
    msleep(50);
    lock();
    w("writer: write 12345", p[1], "12345", 5);
    unlock();
    return NULL;
}

int main(void) {
    init();
    char buf[8];
    SHOW("main: pipe", pipe(p));
    pthread_t t = spawn(reader, 0);
    msleep(50);
    lock();
    w("main: write abcde", p[1], "abcde", 5);
    unlock();
    join(t);
    t = spawn(writer, 0);
    say("main: reading 5");
    long r = read(p[0], buf, 5);
    lock();
    shown_("main: read", r, errno, buf);
    unlock();
    join(t);
    return 0;
}
