// Native version of programs/fds/eventfd_semaphore_blocking.mir.
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
    SHOW("main: eventfd(0, EFD_SEMAPHORE)", e = eventfd(0, EFD_SEMAPHORE));
    pthread_t r1 = spawn(reader, 1);
    msleep(50);
    pthread_t r2 = spawn(reader, 2);
    msleep(50);
    lock();
    wv("main: write 2", e, 2);
    unlock();
    join(r1);
    join(r2);
    SHOW("main: F_SETFL O_NONBLOCK", fcntl(e, F_SETFL, O_NONBLOCK));
    rv("main: read", e);
    return 0;
}
