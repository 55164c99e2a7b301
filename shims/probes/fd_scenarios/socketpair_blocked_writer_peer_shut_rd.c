// Native version of programs/fds/socketpair_blocked_writer_peer_shut_rd.mir.
#include "scen.h"

static int s0, s1;
static char *data;

static void *writer(void *arg) {
    long n = (long)arg;
    printf("writer: writing %ld on s0 (blocking)\n", n);
    fflush(stdout);
    long r = write(s0, data, n);
    lock();
    show_("writer: write", r, errno);
    unlock();
    return NULL;
}

static void fresh(const char *what, int fill) {
    int sv[2];
    say(what);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) exit(1);
    s0 = sv[0];
    s1 = sv[1];
    if (fill) SHOW("main: write 212992 (SO_SNDBUF) on s0", write(s0, data, 212992));
}

int main(void) {
    init();
    data = calloc(1, 300000);
    char buf[8];
    (void)buf;
    pthread_t t;
    fresh("3. the peer shuts down reading", 1);
    t = spawn(writer, 1);
    msleep(50);
    lock();
    SHOW("main: shutdown(s1, SHUT_RD)", shutdown(s1, SHUT_RD));
    unlock();
    join(t);
    return 0;
}
