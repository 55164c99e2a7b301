// Native version of programs/fds/pipe_capacity.mir.
#include "scen.h"

static char *data, *sink;
static int rfd, wfd;

/* size-byte writes until one fails: "size-byte writes: T bytes in N calls, then -1 EAGAIN". */
static void writes(long size) {
    long total = 0, calls = 0, r;
    while ((r = write(wfd, data, size)) > 0) {
        total += r;
        calls++;
    }
    int e = errno;
    printf("%ld-byte writes: %ld bytes in %ld calls, then ", size, total, calls);
    show_("write", r, e);
}

static void drain(void) { SHOW("drain", read(rfd, sink, 100000)); }

int main(void) {
    init();
    int p[2];
    data = malloc(100000);
    sink = malloc(100000);
    memset(data, 'x', 100000);
    SHOW("pipe2(O_NONBLOCK)", pipe2(p, O_NONBLOCK));
    rfd = p[0];
    wfd = p[1];
    SHOW("F_GETPIPE_SZ", fcntl(wfd, F_GETPIPE_SZ));
    writes(4096);
    drain();
    SHOW("single write 65536 on empty", write(wfd, data, 65536));
    drain();
    SHOW("single write 100000 on empty (partial)", write(wfd, data, 100000));
    SHOW("next write 1", write(wfd, data, 1));
    SHOW("read 1 from the full pipe", read(rfd, sink, 1));
    SHOW("write 1 (the first slot still holds 4095 bytes)", write(wfd, data, 1));
    SHOW("read 4095 (first slot drained)", read(rfd, sink, 4095));
    SHOW("write 4096", write(wfd, data, 4096));
    SHOW("write 1", write(wfd, data, 1));
    drain();
    writes(4095);
    SHOW("then write 2", write(wfd, data, 2));
    SHOW("then write 1 (fits the last slot)", write(wfd, data, 1));
    drain();
    for (int i = 0; i < 15; i++) (void)!write(wfd, data, 4096);
    SHOW("15 full slots, then write 4000", write(wfd, data, 4000));
    SHOW("then write 200 (atomic: does not fit the 96 left)", write(wfd, data, 200));
    SHOW("then write 5000 (over PIPE_BUF, but nothing fits)", write(wfd, data, 5000));
    SHOW("then write 96", write(wfd, data, 96));
    drain();
    for (int i = 0; i < 15; i++) (void)!write(wfd, data, 4096);
    SHOW("15 full slots, then write 4097 (over PIPE_BUF: partial)", write(wfd, data, 4097));
    drain();
    SHOW("write 5000 on empty", write(wfd, data, 5000));
    SHOW("write 4096 x14", ({ long t = 0; for (int i = 0; i < 14; i++) t += write(wfd, data, 4096); t; }));
    SHOW("then write 3192 (room in the 904-byte slot, but only the last slot takes merges)", write(wfd, data, 3192));
    drain();
    writes(1);
    drain();
    return 0;
}
