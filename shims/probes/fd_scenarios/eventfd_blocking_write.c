// Native version of programs/fds/eventfd_blocking_write.mir (Miri test_blocking_write).
#include "scen.h"

static int e;

static void *writer(void *arg) {
    (void)arg;
    say("writer: writing 1");
    uint64_t v = 1;
    long r = write(e, &v, 8);
    lock();
    printf("writer: write 1: %ld\n", r);
    unlock();
    return NULL;
}

int main(void) {
    init();
    SHOW("main: eventfd", e = eventfd(0, 0));
    wv("main: write 0xfffffffffffffffe (max)", e, 0xfffffffffffffffeULL);
    pthread_t t = spawn(writer, 0);
    msleep(50);
    lock();
    rv("main: read", e);
    unlock();
    join(t);
    rv("main: read after join", e);
    return 0;
}
