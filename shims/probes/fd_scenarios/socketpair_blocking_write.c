// Native version of programs/fds/socketpair_blocking_write.mir (Miri test_blocking_write, as
// Linux behaves).
#include "scen.h"

static int sv[2];
static volatile int done;

static void *writer(void *arg) {
    (void)arg;
    say("writer: writing abc (blocking)");
    long r = write(sv[0], "abc", 3);
    done = 1;
    return (void *)r;
}

static void *reader(void *arg) {
    (void)arg;
    char buf[4];
    lock();
    rd("reader: read 3", sv[1], buf, 3);
    unlock();
    return NULL;
}

int main(void) {
    init();
    char *data = malloc(212992), *sink = malloc(212992);
    memset(data, 'x', 212992);
    SHOW("main: socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    SHOW("main: write 212992 (SO_SNDBUF)", write(sv[0], data, 212992));
    pthread_t w = spawn(writer, 0);
    msleep(50);
    join(spawn(reader, 0));
    msleep(50);
    printf("main: writer done: %d\n", done);
    long total = 0, r;
    while (total < 212989 && (r = read(sv[1], sink, 212989 - total)) > 0) total += r;
    printf("main: read the other %ld bytes\n", total);
    printf("main: writer returned %ld\n", join(w));
    rd("main: read 3", sv[1], sink, 3);
    return 0;
}
