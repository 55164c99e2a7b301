// Native version of programs/fds/pipe_happens_before_ok.mir.
#include "scen.h"

static int p[2];
static volatile uint64_t VAL;

static void *reader(void *arg) {
    (void)arg;
    char buf[4];
    say("reader: reading");
    long r = read(p[0], buf, 4);
    lock();
    shown_("reader: read", r, errno, buf);
    printf("reader: VAL = %llu\n", (unsigned long long)VAL);
    unlock();
    return NULL;
}

int main(void) {
    init();
    if (pipe(p)) return 1;
    pthread_t t = spawn(reader, 0);
    msleep(50);
    lock();
    VAL = 1;
    say("main: VAL = 1, then write a");
    if (write(p[1], "a", 1) != 1) return 1;
    unlock();
    join(t);
    return 0;
}
