// Native version of programs/fds/eventfd_data_race.mir.
#include "scen.h"

static int e;
static volatile uint64_t VAL;

static void *reader(void *arg) {
    (void)arg;
    say("reader: reading");
    uint64_t v = 0;
    long r = read(e, &v, 8);
    lock();
    printf("reader: read: %ld value=%llu\n", r, (unsigned long long)v);
    printf("# reader: VAL = %llu in this run (a data race: Spindle reports it here)\n", (unsigned long long)VAL);
    unlock();
    return NULL;
}

int main(void) {
    init();
    e = eventfd(0, 0);
    pthread_t t = spawn(reader, 0);
    msleep(50);
    lock();
    say("main: write 1, then VAL = 1");
    uint64_t one = 1;
    if (write(e, &one, 8) != 8) return 1;
    VAL = 1;
    unlock();
    join(t);
    return 0;
}
