// Native version of programs/fds/pipe_later_bytes_ok.mir.
#include "scen.h"

static int p[2];
static volatile uint64_t VAL;

static void *writer(void *arg) {
    (void)arg;
    say("writer: write x, VAL = 1, write y");
    if (write(p[1], "x", 1) != 1) exit(1);
    VAL = 1;
    if (write(p[1], "y", 1) != 1) exit(1);
    return NULL;
}

int main(void) {
    init();
    char buf[4];
    if (pipe(p)) return 1;
    pthread_t t = spawn(writer, 0);
    msleep(50);
    long r = read(p[0], buf, 2);
    shown_("main: read 2", r, errno, buf);
    printf("main: VAL = %llu\n", (unsigned long long)VAL);
    join(t);
    return 0;
}
