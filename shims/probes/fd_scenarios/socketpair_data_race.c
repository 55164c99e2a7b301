// Native version of programs/fds/socketpair_data_race.mir.
#include "scen.h"

static int sv[2];
static volatile uint64_t VAL;

static void *child(void *arg) {
    (void)arg;
    say("child: write a, then VAL = 1");
    if (write(sv[0], "a", 1) != 1) exit(1);
    VAL = 1;
    return NULL;
}

int main(void) {
    init();
    char buf[4];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 1;
    pthread_t t = spawn(child, 0);
    msleep(50);
    long r = read(sv[1], buf, 1);
    shown_("main: read", r, errno, buf);
    printf("# main: VAL = %llu in this run (a data race: Spindle reports it here)\n", (unsigned long long)VAL);
    join(t);
    return 0;
}
