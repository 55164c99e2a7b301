// Native version of programs/fds/pipe_three_readers.mir.
#include "scen.h"

static int p[2];
static volatile int done;
static char got[3];

static void *reader(void *arg) {
    long i = (long)arg;
    say("reader: reading 1");
    if (read(p[0], &got[i], 1) != 1) exit(1);
    __atomic_add_fetch(&done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

int main(void) {
    init();
    if (pipe(p)) return 1;
    pthread_t t[3];
    for (long i = 0; i < 3; i++) {
        t[i] = spawn(reader, i);
        msleep(50);
    }
    w("main: write ab", p[1], "ab", 2);
    msleep(50);
    printf("main: readers done: %d\n", done);
    w("main: write c", p[1], "c", 1);
    for (int i = 0; i < 3; i++) join(t[i]);
    printf("main: readers done: %d\n", done);
    int mask = 0;
    for (int i = 0; i < 3; i++) mask |= 1 << (got[i] - 'a');
    printf("main: the readers got a, b and c: %s\n", mask == 7 ? "true" : "false");
    return 0;
}
