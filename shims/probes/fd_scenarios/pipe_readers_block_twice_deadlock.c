// Native version of programs/fds/pipe_readers_block_twice_deadlock.mir (the pipe counterpart of
// Miri's socketpair_block_read_twice.rs).
#include "scen.h"

static int p[2];

static void *reader(void *arg) {
    (void)arg;
    char buf[4];
    say("reader: reading 1");
    long r = read(p[0], buf, 1);
    lock();
    shown_("reader: read", r, errno, buf);
    unlock();
    return NULL;
}

int main(void) {
    init();
    if (pipe(p)) return 1;
    pthread_t r1 = spawn(reader, 1);
    msleep(50);
    pthread_t r2 = spawn(reader, 2);
    msleep(50);
    lock();
    w("main: write x", p[1], "x", 1);
    unlock();
    msleep(50);
    int b = (pthread_tryjoin_np(r1, NULL) != 0) + (pthread_tryjoin_np(r2, NULL) != 0);
    if (b == 1) say("# one reader is still blocked 50 ms after the write: Spindle reports a deadlock (main in join, the reader in read)");
    return 0;
}
