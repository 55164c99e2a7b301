// Native version of programs/fds/pipe_setfl_while_blocked_deadlock.mir (Miri fail test
// fcntl_fsetfl_while_blocking.rs). The guest's main is played by thread "reader".
#include "scen.h"

static int p[2];

static void *reader(void *arg) {
    (void)arg;
    char buf[4];
    say("main: reading (blocking)");
    long r = read(p[0], buf, 1);
    printf("main: read returned %ld (never)\n", r);
    return NULL;
}

static void *child(void *arg) {
    (void)arg;
    msleep(50);
    SHOW("child: F_SETFL read end O_NONBLOCK", fcntl(p[0], F_SETFL, O_NONBLOCK));
    return NULL;
}

int main(void) {
    init();
    if (pipe(p)) return 1;
    pthread_t r = spawn(reader, 0);
    join(spawn(child, 0));
    if (still_running(r, 200)) say("# the reader is still blocked 200 ms after O_NONBLOCK was set: Spindle reports a deadlock");
    return 0;
}
