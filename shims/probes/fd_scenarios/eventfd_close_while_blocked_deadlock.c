// Native version of programs/fds/eventfd_close_while_blocked_deadlock.mir (Miri fail test
// eventfd-close-while-blocked.rs). The guest's main is played by thread "reader".
#include "scen.h"

static int e;

static void *reader(void *arg) {
    (void)arg;
    say("main: reading");
    uint64_t v;
    long r = read(e, &v, 8);
    printf("main: read returned %ld (never)\n", r);
    return NULL;
}

static void *closer(void *arg) {
    (void)arg;
    msleep(50);
    SHOW("closer: close the only fd", close(e));
    return NULL;
}

int main(void) {
    init();
    e = eventfd(0, 0);
    pthread_t r = spawn(reader, 0);
    join(spawn(closer, 0));
    if (still_running(r, 200)) say("# the reader is still blocked in read after 200 ms: Spindle reports a deadlock");
    return 0;
}
