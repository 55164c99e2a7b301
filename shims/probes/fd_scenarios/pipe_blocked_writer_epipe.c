// Native version of programs/fds/pipe_blocked_writer_epipe.mir.
#include "scen.h"

static int p[2];
static char *data;

static void *writer(void *arg) {
    long n = (long)arg;
    printf("writer: writing %ld (blocking)\n", n);
    fflush(stdout);
    long r = write(p[1], data, n);
    lock();
    show_("writer: write", r, errno);
    unlock();
    return NULL;
}

int main(void) {
    init();
    data = malloc(100000);
    memset(data, 'x', 100000);
    SHOW("main: pipe", pipe(p));
    SHOW("main: write 65536 (fills the pipe)", write(p[1], data, 65536));
    pthread_t t = spawn(writer, 1);
    msleep(50);
    lock();
    SHOW("main: close the read end", close(p[0]));
    unlock();
    join(t);
    SHOW("main: pipe", pipe(p));
    t = spawn(writer, 100000);
    msleep(50);
    lock();
    SHOW("main: close the read end", close(p[0]));
    unlock();
    join(t);
    return 0;
}
