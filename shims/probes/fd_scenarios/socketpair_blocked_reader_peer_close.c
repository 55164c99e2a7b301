// Native version of programs/fds/socketpair_blocked_reader_peer_close.mir.
#include "scen.h"

static int s0, s1;

static void *reader(void *arg) {
    (void)arg;
    char buf[8];
    say("reader: reading s1 (blocking)");
    long r = read(s1, buf, 8);
    lock();
    shown_("reader: read", r, errno, buf);
    unlock();
    return NULL;
}

static void fresh(const char *what) {
    int sv[2];
    say(what);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) exit(1);
    s0 = sv[0];
    s1 = sv[1];
}

int main(void) {
    init();
    pthread_t t;
    fresh("1. the peer closes");
    t = spawn(reader, 0);
    msleep(50);
    lock();
    SHOW("main: close s0", close(s0));
    unlock();
    join(t);
    fresh("2. the peer closes with data from s1 unread");
    SHOW("main: s1 write xyz", write(s1, "xyz", 3));
    t = spawn(reader, 0);
    msleep(50);
    lock();
    SHOW("main: close s0", close(s0));
    unlock();
    join(t);
    fresh("3. the peer shuts down writing");
    t = spawn(reader, 0);
    msleep(50);
    lock();
    SHOW("main: shutdown(s0, SHUT_WR)", shutdown(s0, SHUT_WR));
    unlock();
    join(t);
    fresh("4. the reader's own end shuts down reading");
    t = spawn(reader, 0);
    msleep(50);
    lock();
    SHOW("main: shutdown(s1, SHUT_RD)", shutdown(s1, SHUT_RD));
    unlock();
    join(t);
    fresh("5. data, then the peer closes");
    t = spawn(reader, 0);
    msleep(50);
    lock();
    SHOW("main: s0 write ab", write(s0, "ab", 2));
    SHOW("main: close s0", close(s0));
    unlock();
    join(t);
    rd("main: read s1", s1, (char[8]){0}, 8);
    return 0;
}
