// Native version of programs/fds/eventfd_two_blocked_writers.mir (Miri
// test_two_threads_blocked_on_eventfd).
#include "scen.h"

static int e;

static void *writer(void *arg) {
    printf("writer %ld: writing 1\n", (long)arg);
    uint64_t v = 1;
    return (void *)write(e, &v, 8);
}

static void *reader(void *arg) {
    (void)arg;
    lock();
    rv("reader: read", e);
    unlock();
    return NULL;
}

int main(void) {
    init();
    SHOW("main: eventfd", e = eventfd(0, 0));
    wv("main: write 0xfffffffffffffffe (max)", e, 0xfffffffffffffffeULL);
    pthread_t w1 = spawn(writer, 1);
    msleep(50);
    pthread_t w2 = spawn(writer, 2);
    msleep(50);
    pthread_t r = spawn(reader, 0);
    join(r);
    printf("main: writer 1 returned %ld\n", join(w1));
    printf("main: writer 2 returned %ld\n", join(w2));
    rv("main: read", e);
    return 0;
}
