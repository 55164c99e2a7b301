// Native version of programs/fds/pipe_partial_write_blocking.mir.
#include "scen.h"

static int p[2];
static char *data, *sink;

static void *writer(void *arg) {
    (void)arg;
    say("writer: writing 100000 (blocking)");
    return (void *)write(p[1], data, 100000);
}

int main(void) {
    init();
    data = malloc(100000);
    sink = malloc(100000);
    for (int i = 0; i < 100000; i++) data[i] = 'a' + i % 26;
    SHOW("main: pipe", pipe(p));
    pthread_t t = spawn(writer, 0);
    msleep(50);
    long r;
    SHOW("main: read 100000 (what the pipe holds)", r = read(p[0], sink, 100000));
    printf("main: last byte read: %c\n", sink[r - 1]);
    printf("main: writer returned %ld\n", join(t));
    SHOW("main: read 100000 (the rest)", r = read(p[0], sink, 100000));
    printf("main: last byte read: %c\n", sink[r - 1]);
    return 0;
}
