// Native version of programs/fds/socketpair_capacity.mir.
#include "scen.h"

static char *data, *sink;
static int s0, s1;

static void writes(long size) {
    long total = 0, calls = 0, r;
    while ((r = write(s0, data, size)) > 0) {
        total += r;
        calls++;
        if (r < size) printf("  short write: %ld\n", r);
    }
    int e = errno;
    printf("%ld-byte writes: %ld bytes in %ld calls, then ", size, total, calls);
    show_("write", r, e);
}

static void drain(void) {
    long total = 0, r;
    while ((r = read(s1, sink, 300000)) > 0) total += r;
    printf("drained %ld bytes\n", total);
}

int main(void) {
    init();
    int sv[2];
    data = malloc(300000);
    sink = malloc(300000);
    memset(data, 'x', 300000);
    SHOW("socketpair SOCK_NONBLOCK", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
    s0 = sv[0];
    s1 = sv[1];
    writes(1);
    SHOW("read 1 (frees one 1-byte skb)", read(s1, sink, 1));
    SHOW("write 1", write(s0, data, 1));
    SHOW("write 1", write(s0, data, 1));
    drain();
    writes(65536);
    SHOW("read 36543 (the first skb is not fully consumed)", read(s1, sink, 36543));
    SHOW("write 1", write(s0, data, 1));
    SHOW("read 1 (now it is)", read(s1, sink, 1));
    SHOW("write 1", write(s0, data, 1));
    drain();
    SHOW("single write 300000 on empty", write(s0, data, 300000));
    SHOW("next write 1", write(s0, data, 1));
    drain();
    SHOW("single write 212992 (SO_SNDBUF) on empty", write(s0, data, 212992));
    SHOW("next write 1", write(s0, data, 1));
    drain();
    writes(4096);
    drain();
    SHOW("send 300000 MSG_DONTWAIT on a blocking socket", (fcntl(s0, F_SETFL, 0), send(s0, data, 300000, MSG_DONTWAIT)));
    SHOW("send 1 MSG_DONTWAIT", send(s0, data, 1, MSG_DONTWAIT));
    drain();
    return 0;
}
