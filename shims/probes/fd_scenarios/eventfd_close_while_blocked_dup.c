// Native version of programs/fds/eventfd_close_while_blocked_dup.mir (Miri
// test_close_while_blocked).
#include "scen.h"

static int e, d;

static void *closer(void *arg) {
    (void)arg;
    msleep(50);
    lock();
    SHOW("closer: close e", close(e));
    wv("closer: write 1 through the dup", d, 1);
    unlock();
    return NULL;
}

int main(void) {
    init();
    SHOW("main: eventfd", e = eventfd(0, 0));
    SHOW("main: dup", d = dup(e));
    pthread_t t = spawn(closer, 0);
    say("main: reading e");
    uint64_t v = 0;
    long r = read(e, &v, 8);
    lock();
    printf("main: read: %ld value=%llu\n", r, (unsigned long long)v);
    unlock();
    join(t);
    rv("main: read e again (closed now)", e);
    return 0;
}
