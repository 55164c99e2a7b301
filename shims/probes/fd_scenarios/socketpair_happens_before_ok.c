// Native version of programs/fds/socketpair_happens_before_ok.mir.
#include "scen.h"

static int sv[2];
static volatile uint64_t VAL;

static void *child(void *arg) {
    (void)arg;
    char buf[4];
    lock();
    long r = read(sv[1], buf, 1);
    shown_("child: read", r, errno, buf);
    printf("child: VAL = %llu\n", (unsigned long long)VAL);
    unlock();
    return NULL;
}

int main(void) {
    init();
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 1;
    lock();
    pthread_t t = spawn(child, 0);
    VAL = 1;
    say("main: VAL = 1, then write a");
    if (write(sv[0], "a", 1) != 1) return 1;
    unlock();
    join(t);
    return 0;
}
