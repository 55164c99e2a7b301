// Native version of programs/fds/socketpair_block_write_twice_deadlock.mir (Miri fail test
// socketpair_block_write_twice.rs).
#include "scen.h"

static int sv[2];

static void *writer(void *arg) {
    (void)arg;
    say("writer: writing 1 byte (blocking)");
    long r = write(sv[0], "w", 1);
    lock();
    show_("writer: write", r, errno);
    unlock();
    return NULL;
}

static void *reader(void *arg) {
    (void)arg;
    char buf[4];
    lock();
    SHOW("reader: read 1", read(sv[1], buf, 1));
    unlock();
    return NULL;
}

int main(void) {
    init();
    char *data = malloc(212992);
    memset(data, 0, 212992);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 1;
    SHOW("main: write 212992 (SO_SNDBUF)", write(sv[0], data, 212992));
    pthread_t w1 = spawn(writer, 1);
    msleep(50);
    pthread_t w2 = spawn(writer, 2);
    msleep(50);
    join(spawn(reader, 0));
    msleep(50);
    int b = (pthread_tryjoin_np(w1, NULL) != 0) + (pthread_tryjoin_np(w2, NULL) != 0);
    if (b == 2) say("# both writers are still blocked 50 ms after the read: Spindle reports a deadlock (main in join, both writers in write)");
    return 0;
}
