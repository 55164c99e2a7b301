// Native version of programs/fds/eventfd_happens_before_ok.mir.
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
    printf("reader: VAL = %llu\n", (unsigned long long)VAL);
    unlock();
    return NULL;
}

int main(void) {
    init();
    e = eventfd(0, 0);
    pthread_t t = spawn(reader, 0);
    msleep(50);
    lock();
    VAL = 1;
    say("main: VAL = 1, then write 1");
    uint64_t one = 1;
    if (write(e, &one, 8) != 8) return 1;
    
    unlock();
    join(t);
    return 0;
}
