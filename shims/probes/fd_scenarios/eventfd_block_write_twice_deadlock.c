// Native version of programs/fds/eventfd_block_write_twice_deadlock.mir (Miri fail test
// eventfd_block_write_twice.rs).
#include "scen.h"

static int e;

static void *writer(void *arg) {
    (void)arg;
    say("writer: writing 0xfffffffffffffffe");
    uint64_t v = 0xfffffffffffffffeULL;
    long r = write(e, &v, 8);
    lock();
    printf("writer: write: %ld\n", r);
    unlock();
    return NULL;
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
    e = eventfd(0, 0);
    wv("main: write 0xfffffffffffffffe (max)", e, 0xfffffffffffffffeULL);
    pthread_t w1 = spawn(writer, 1);
    msleep(50);
    pthread_t w2 = spawn(writer, 2);
    msleep(50);
    join(spawn(reader, 0));
    msleep(50);
    int b1 = pthread_tryjoin_np(w1, NULL) != 0, b2 = pthread_tryjoin_np(w2, NULL) != 0;
    if (b1 + b2 == 1) say("# one writer is still blocked after 50 ms: Spindle reports a deadlock (main in join, the writer in write)");
    return 0;
}
