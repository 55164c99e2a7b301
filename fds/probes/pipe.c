/* pipe(7)/pipe2(2): capacity (a ring of 16 page-sized slots), PIPE_BUF atomicity, merging of small
 * writes into the last slot, partial writes, EOF, EPIPE, EBADF for the wrong direction,
 * readiness of each end, F_GETFL/F_SETFL. SIGPIPE is ignored so that EPIPE is observable. */
#include "common.h"

static char big[1 << 20];

static void mk(int p[2]) {
    if (pipe2(p, O_NONBLOCK) < 0) { perror("pipe2"); exit(1); }
}
static long wr(int fd, size_t n) { return write(fd, big, n); }
static long rd(int fd, size_t n) { return read(fd, big, n); }
/* Non-blocking writes of n bytes until one fails; returns total written and prints the count. */
static long fill(int fd, size_t n, long *calls) {
    long total = 0, r;
    *calls = 0;
    while ((r = wr(fd, n)) > 0) { total += r; (*calls)++; if ((size_t)r < n) break; }
    return total;
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    int p[2];
    long calls, total;

    if (pipe(p) < 0) return 1;
    FACT("getfl pipe() read end: %s", getfl(p[0]));
    FACT("getfl pipe() write end: %s", getfl(p[1]));
    FACT("getfd pipe(): %d %d", fcntl(p[0], F_GETFD), fcntl(p[1], F_GETFD));
    FACT("setfl read end O_NONBLOCK: %s", setfl(p[0], O_NONBLOCK));
    FACT("getfl write end after setfl on read end: %s", getfl(p[1]));
    FACT("setfl read end O_APPEND: %s", setfl(p[0], O_APPEND));
    FACT("setfl read end O_RDWR|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_NONBLOCK: %s",
         setfl(p[0], O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_NONBLOCK));
    FACT("read len=0 on empty blocking pipe: %s", res(read(p[0], big, 0)));
    FACT("write on read end: %s", res(write(p[0], "x", 1)));
    FACT("write len=0 on read end: %s", res(write(p[0], "x", 0)));
    FACT("read on write end: %s", res(read(p[1], big, 1)));
    FACT("read len=0 on write end: %s", res(read(p[1], big, 0)));
    FACT("pipe F_GETPIPE_SZ: %s", res(fcntl(p[0], F_GETPIPE_SZ)));
    close(p[0]);
    close(p[1]);

    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) return 1;
    FACT("getfl pipe2(O_NONBLOCK|O_CLOEXEC): %s %s", getfl(p[0]), getfl(p[1]));
    FACT("getfd pipe2(O_NONBLOCK|O_CLOEXEC): %d %d", fcntl(p[0], F_GETFD), fcntl(p[1], F_GETFD));
    FACT("pipe2 ready empty: read=%s write=%s", ready(p[0]), ready(p[1]));
    FACT("read empty nonblock: %s", res(rd(p[0], 10)));
    FACT("write len=0: %s", res(wr(p[1], 0)));
    FACT("write abc: %s", res(write(p[1], "abc", 3)));
    FACT("write de: %s", res(write(p[1], "de", 2)));
    FACT("ready with data: read=%s write=%s", ready(p[0]), ready(p[1]));
    char b[8] = {0};
    FACT("read 4 of abc+de: %s '%.4s'", res(read(p[0], b, 4)), b);
    memset(b, 0, 8);
    FACT("read 8 of remaining: %s '%s'", res(read(p[0], b, 8)), b);
    close(p[0]);
    close(p[1]);

    mk(p);
    total = fill(p[1], 1, &calls);
    FACT("capacity 1-byte writes: %ld bytes", total);
    FACT("ready full: read=%s write=%s", ready(p[0]), ready(p[1]));
    FACT("read 1 from full pipe: %s", res(rd(p[0], 1)));
    FACT("ready after reading 1 byte of a full pipe: write=%s", ready(p[1]));
    FACT("write 1 after reading 1 byte of a full pipe: %s", res(wr(p[1], 1)));
    FACT("read 4095 more (first slot drained): %s", res(rd(p[0], 4095)));
    FACT("ready after draining one slot: write=%s", ready(p[1]));
    FACT("write 4096 after draining one slot: %s", res(wr(p[1], 4096)));
    FACT("write 1 after refilling: %s", res(wr(p[1], 1)));
    close(p[0]);
    close(p[1]);

    mk(p);
    total = fill(p[1], 4096, &calls);
    FACT("capacity 4096-byte writes: %ld bytes in %ld calls", total, calls);
    close(p[0]); close(p[1]);

    mk(p);
    FACT("single write 65536 on empty: %s", res(wr(p[1], 65536)));
    close(p[0]); close(p[1]);
    mk(p);
    FACT("single write 100000 on empty (partial): %s", res(wr(p[1], 100000)));
    FACT("next write 1: %s", res(wr(p[1], 1)));
    close(p[0]); close(p[1]);

    mk(p);
    wr(p[1], 1);
    total = fill(p[1], 4096, &calls);
    FACT("after 1 byte, 4096-byte writes: %ld bytes in %ld calls", total, calls);
    FACT("then write 1: %s", res(wr(p[1], 1)));
    close(p[0]); close(p[1]);

    mk(p);
    total = fill(p[1], 4095, &calls);
    FACT("4095-byte writes: %ld bytes in %ld calls", total, calls);
    FACT("then write 2: %s", res(wr(p[1], 2)));
    FACT("then write 1: %s", res(wr(p[1], 1)));
    FACT("then write 1 again: %s", res(wr(p[1], 1)));
    close(p[0]); close(p[1]);

    mk(p);
    total = fill(p[1], 4000, &calls);
    FACT("4000-byte writes: %ld bytes in %ld calls", total, calls);
    FACT("then write 97: %s", res(wr(p[1], 97)));
    FACT("then write 96: %s", res(wr(p[1], 96)));
    FACT("then write 1: %s", res(wr(p[1], 1)));
    close(p[0]); close(p[1]);

    mk(p);
    wr(p[1], 1);
    FACT("after 1 byte, single write 65536: %s", res(wr(p[1], 65536)));
    close(p[0]); close(p[1]);

    mk(p);
    FACT("write 5000 on empty: %s", res(wr(p[1], 5000)));
    total = fill(p[1], 4096, &calls);
    FACT("then 4096-byte writes: %ld bytes in %ld calls", total, calls);
    FACT("then write 3192 (fits the 904-byte slot): %s", res(wr(p[1], 3192)));
    FACT("then write 1: %s", res(wr(p[1], 1)));
    close(p[0]); close(p[1]);

    /* 15 slots full, one slot free: a 4097-byte write (not atomic) */
    mk(p);
    for (int i = 0; i < 15; i++) wr(p[1], 4096);
    FACT("15 full slots then write 4097: %s", res(wr(p[1], 4097)));
    close(p[0]); close(p[1]);
    /* 15 slots, last one holding 100 bytes, one free slot: a 4097-byte write merges 1 byte first */
    mk(p);
    for (int i = 0; i < 14; i++) wr(p[1], 4096);
    wr(p[1], 100);
    FACT("14 full slots + 100-byte slot then write 8193: %s", res(wr(p[1], 8193)));
    close(p[0]); close(p[1]);
    /* atomic write with a partly free pipe */
    mk(p);
    for (int i = 0; i < 15; i++) wr(p[1], 4096);
    wr(p[1], 4000);
    FACT("16 slots (last 4000) then write 200 (atomic): %s", res(wr(p[1], 200)));
    FACT("then write 5000 (not atomic): %s", res(wr(p[1], 5000)));
    close(p[0]); close(p[1]);
    /* merge after partial read: the last slot keeps merging while partly read */
    mk(p);
    wr(p[1], 10);
    rd(p[0], 5);
    FACT("write 10, read 5, write 4091 (merge limit is offset+len<=4096): %s", res(wr(p[1], 4091)));
    FACT("then write 1 (merges into the second slot): %s", res(wr(p[1], 1)));
    total = fill(p[1], 4096, &calls);
    FACT("then 4096-byte writes: %ld calls (2 slots were in use)", calls);
    close(p[0]); close(p[1]);
    mk(p);
    wr(p[1], 10);
    rd(p[0], 10);
    FACT("write 10, read 10 (slot freed), then 4096-byte writes: %ld", fill(p[1], 4096, &calls));
    close(p[0]); close(p[1]);

    /* EOF and hang-up */
    mk(p);
    write(p[1], "xy", 2);
    close(p[1]);
    FACT("writer closed, data left: read=%s", ready(p[0]));
    FACT("read 1: %s", res(rd(p[0], 1)));
    FACT("read 10: %s", res(rd(p[0], 10)));
    FACT("read after EOF: %s", res(rd(p[0], 10)));
    FACT("writer closed, empty: read=%s", ready(p[0]));
    close(p[0]);

    mk(p);
    close(p[0]);
    FACT("reader closed: write=%s", ready(p[1]));
    FACT("write 1 with reader closed: %s", res(wr(p[1], 1)));
    FACT("write 0 with reader closed: %s", res(wr(p[1], 0)));
    close(p[1]);

    mk(p);
    fill(p[1], 4096, &calls);
    close(p[0]);
    FACT("reader closed, pipe full: write=%s", ready(p[1]));
    FACT("write 1 with reader closed and full: %s", res(wr(p[1], 1)));
    close(p[1]);

    /* a dup keeps the end alive */
    mk(p);
    int d = dup(p[1]);
    close(p[1]);
    FACT("write end closed but dup open: read=%s", ready(p[0]));
    close(d);
    FACT("dup closed too: read=%s", ready(p[0]));
    close(p[0]);
    return 0;
}
