// Native version of programs/fds/pipe_woken_reader_buffer_race.mir.
#include "scen.h"

static int p[2];
static volatile char BUF[4];

static void *reader(void *arg) {
    (void)arg;
    say("reader: reading into BUF");
    long r = read(p[0], (char *)BUF, 1);
    printf("# reader: read %ld, BUF[0] = %c in this run (a data race: Spindle reports it at the copy)\n", r, BUF[0]);
    return NULL;
}

static void *scribbler(void *arg) {
    (void)arg;
    say("scribbler: BUF = 7");
    BUF[0] = 7;
    return NULL;
}

int main(void) {
    init();
    if (pipe(p)) return 1;
    pthread_t t = spawn(reader, 0);
    msleep(50);
    spawn(scribbler, 0);
    msleep(50);
    say("main: write a");
    if (write(p[1], "a", 1) != 1) return 1;
    join(t);
    return 0;
}
