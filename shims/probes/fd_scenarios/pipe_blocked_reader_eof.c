// Native version of programs/fds/pipe_blocked_reader_eof.mir.
#include "scen.h"

static int p[2], d;
static volatile int done;

static void *reader(void *arg) {
    (void)arg;
    char buf[4];
    say("reader: reading (blocking)");
    long r = read(p[0], buf, 4);
    lock();
    shown_("reader: read", r, errno, buf);
    done = 1;
    unlock();
    return NULL;
}

int main(void) {
    init();
    SHOW("main: pipe", pipe(p));
    SHOW("main: dup write end", d = dup(p[1]));
    pthread_t t = spawn(reader, 0);
    msleep(50);
    SHOW("main: close write end", close(p[1]));
    msleep(50);
    printf("main: reader done: %d\n", done);
    lock();
    SHOW("main: close the dup (the last writer)", close(d));
    unlock();
    join(t);
    printf("main: reader done: %d\n", done);
    return 0;
}
