// Native version of programs/fds/eventfd_blocking_read.mir (Miri test_blocking_read).
#include "scen.h"

static int e;

static void *reader(void *arg) {
    (void)arg;
    say("reader: reading");
    uint64_t v = 0;
    long r = read(e, &v, 8);
    lock();
    printf("reader: read: %ld value=%llu\n", r, (unsigned long long)v);
    unlock();
    return NULL;
}

int main(void) {
    init();
    SHOW("main: eventfd", e = eventfd(0, 0));
    pthread_t t = spawn(reader, 0);
    msleep(50);
    lock();
    wv("main: write 1", e, 1);
    unlock();
    join(t);
    say("main: joined");
    return 0;
}
