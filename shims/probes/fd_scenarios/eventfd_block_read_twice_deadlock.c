// Native version of programs/fds/eventfd_block_read_twice_deadlock.mir (Miri fail test
// eventfd_block_read_twice.rs).
#include "scen.h"

static int e;

static void *reader(void *arg) {
    say("reader: reading");
    uint64_t v = 0;
    long r = read(e, &v, 8);
    lock();
    printf("reader: read: %ld value=%llu\n", r, (unsigned long long)v);
    unlock();
    return NULL;
}

static void *writer(void *arg) {
    (void)arg;
    lock();
    wv("writer: write 1", e, 1);
    unlock();
    return NULL;
}

int main(void) {
    init();
    e = eventfd(0, 0);
    pthread_t r1 = spawn(reader, 1);
    msleep(50);
    pthread_t r2 = spawn(reader, 2);
    msleep(50);
    join(spawn(writer, 0));
    msleep(50);
    int b1 = pthread_tryjoin_np(r1, NULL) != 0, b2 = pthread_tryjoin_np(r2, NULL) != 0;
    if (b1 + b2 == 1) say("# one reader is still blocked after 50 ms: Spindle reports a deadlock (main in join, the reader in read)");
    return 0;
}
