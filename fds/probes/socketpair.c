/* socketpair(AF_UNIX, SOCK_STREAM): capacity and writability (send-buffer accounting, see also
 * socket_truesize.c), reads across writes, MSG_PEEK, shutdown(2) half-close on both ends,
 * peer close (EOF, EPIPE, ECONNRESET/EPOLLERR), readiness, F_GETFL. SIGPIPE is ignored. */
#include "common.h"
#include <linux/sockios.h>

static char big[1 << 20];

static long outq(int fd) {
    int v = -1;
    if (ioctl(fd, SIOCOUTQ, &v) < 0) return -errno;
    return v;
}
static long inq(int fd) {
    int v = -1;
    if (ioctl(fd, SIOCINQ, &v) < 0) return -errno;
    return v;
}
static void mk(int s[2]) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s) < 0) { perror("socketpair"); exit(1); }
}
static void drain(int fd) { while (read(fd, big, sizeof big) > 0) {} }

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    int s[2];
    long r, total, calls;
    char b[16];

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) < 0) return 1;
    FACT("getfl socketpair(SOCK_STREAM): %s %s", getfl(s[0]), getfl(s[1]));
    FACT("getfd socketpair(SOCK_STREAM): %d %d", fcntl(s[0], F_GETFD), fcntl(s[1], F_GETFD));
    FACT("setfl O_NONBLOCK on s0: %s; s1 %s", setfl(s[0], O_NONBLOCK), getfl(s[1]));
    FACT("setfl O_APPEND on s0: %s", setfl(s[0], O_APPEND));
    FACT("read len=0 on empty blocking socket: %s", res(read(s[1], big, 0)));
    FACT("recv len=0 MSG_DONTWAIT on empty socket: %s", res(recv(s[1], big, 0, MSG_DONTWAIT)));
    FACT("write len=0: %s", res(write(s[0], big, 0)));
    FACT("ready initial: s0=%s s1=%s", ready(s[0]), ready(s[1]));
    close(s[0]); close(s[1]);

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, s) < 0) return 1;
    FACT("getfl socketpair(SOCK_NONBLOCK|SOCK_CLOEXEC): %s %s", getfl(s[0]), getfl(s[1]));
    FACT("getfd socketpair(SOCK_NONBLOCK|SOCK_CLOEXEC): %d %d", fcntl(s[0], F_GETFD), fcntl(s[1], F_GETFD));
    FACT("read empty nonblock: %s", res(read(s[0], big, 10)));
    FACT("recv len=0 on empty nonblocking socket: %s", res(recv(s[1], big, 0, 0)));
    r = write(s[0], "abc", 3);
    FACT("write abc: %s outq=%ld", res(r), outq(s[0]));
    r = write(s[0], "de", 2);
    FACT("write de: %s outq=%ld inq(s1)=%ld", res(r), outq(s[0]), inq(s[1]));
    FACT("ready with data: s0=%s s1=%s", ready(s[0]), ready(s[1]));
    FACT("recv len=0 with data: %s", res(recv(s[1], big, 0, 0)));
    memset(b, 0, sizeof b);
    FACT("peek 10: %s '%s'", res(recv(s[1], b, 10, MSG_PEEK)), b);
    memset(b, 0, sizeof b);
    r = read(s[1], b, 2);
    FACT("read 2: %s '%s' outq=%ld", res(r), b, outq(s[0]));
    memset(b, 0, sizeof b);
    FACT("peek 2: %s '%s'", res(recv(s[1], b, 2, MSG_PEEK)), b);
    memset(b, 0, sizeof b);
    r = read(s[1], b, 2);
    FACT("read 2 (across writes): %s '%s' outq=%ld", res(r), b, outq(s[0]));
    memset(b, 0, sizeof b);
    r = read(s[1], b, 10);
    FACT("read 10: %s '%s' outq=%ld", res(r), b, outq(s[0]));
    FACT("ready drained: s1=%s", ready(s[1]));
    close(s[0]); close(s[1]);

    /* partial consumption keeps the skb charged */
    mk(s);
    r = write(s[0], big, 36544);
    FACT("write 36544 (one skb): %s outq=%ld", res(r), outq(s[0]));
    r = read(s[1], big, 36543);
    FACT("read 36543: %s outq=%ld", res(r), outq(s[0]));
    r = read(s[1], big, 1);
    FACT("read 1: %s outq=%ld", res(r), outq(s[0]));
    close(s[0]); close(s[1]);

    /* capacity */
    mk(s);
    calls = 0; total = 0;
    long last_writable_outq = -1, first_unwritable_outq = -1;
    while ((r = write(s[0], big, 1)) > 0) {
        total += r; calls++;
        long q = outq(s[0]);
        if (strcmp(ready(s[0]), "OUT") == 0) last_writable_outq = q;
        else if (first_unwritable_outq < 0) first_unwritable_outq = q;
    }
    int e = errno;
    FACT("capacity 1-byte writes: %ld calls, outq=%ld, then %s", calls, outq(s[0]), errname(e));
    FACT("1-byte writes: last outq still writable=%ld, first not writable=%ld", last_writable_outq, first_unwritable_outq);
    FACT("ready full: s0=%s s1=%s", ready(s[0]), ready(s[1]));
    close(s[0]); close(s[1]);

    mk(s);
    for (int i = 0; i < 66; i++) write(s[0], big, 1);
    write(s[0], big, 193);
    FACT("outq=%ld ready=%s", outq(s[0]), ready(s[0]));
    write(s[0], big, 193);
    FACT("outq=%ld ready=%s (writable iff (outq+1)*4 <= SO_SNDBUF)", outq(s[0]), ready(s[0]));
    read(s[1], big, 1);
    FACT("after reading 1 byte: outq=%ld ready=%s", outq(s[0]), ready(s[0]));
    close(s[0]); close(s[1]);

    mk(s);
    printf("65536-byte writes:");
    total = 0;
    while ((r = write(s[0], big, 65536)) > 0) { printf(" %ld", r); total += r; }
    printf(" then %s; total %ld outq=%ld\n", errname(errno), total, outq(s[0]));
    FACT("ready after 65536-byte writes: s0=%s", ready(s[0]));
    drain(s[1]);
    FACT("ready after drain: s0=%s outq=%ld", ready(s[0]), outq(s[0]));
    close(s[0]); close(s[1]);

    mk(s);
    r = write(s[0], big, 300000);
    FACT("single write 300000: %s outq=%ld", res(r), outq(s[0]));
    close(s[0]); close(s[1]);

    /* SHUT_WR on s0 */
    mk(s);
    write(s[1], "zz", 2);
    write(s[0], "ab", 2);
    FACT("shutdown(s0, SHUT_WR): %s", res(shutdown(s[0], SHUT_WR)));
    FACT("after s0 SHUT_WR: s0=%s s1=%s", ready(s[0]), ready(s[1]));
    FACT("s0 write: %s", res(write(s[0], "x", 1)));
    FACT("s0 write len=0: %s", res(write(s[0], "x", 0)));
    FACT("s1 read: %s", res(read(s[1], big, 10)));
    FACT("s1 read again: %s", res(read(s[1], big, 10)));
    FACT("s1 write: %s", res(write(s[1], "y", 1)));
    FACT("s0 read: %s", res(read(s[0], big, 10)));
    FACT("s0 read again: %s", res(read(s[0], big, 10)));
    FACT("shutdown(s0, SHUT_WR) again: %s", res(shutdown(s[0], SHUT_WR)));
    r = shutdown(s[1], SHUT_WR);
    FACT("shutdown(s1, SHUT_WR) too: %s; s0=%s s1=%s", res(r), ready(s[0]), ready(s[1]));
    close(s[0]); close(s[1]);

    /* SHUT_RD on s0 */
    mk(s);
    write(s[1], "zz", 2);
    FACT("shutdown(s0, SHUT_RD): %s", res(shutdown(s[0], SHUT_RD)));
    FACT("after s0 SHUT_RD (unread data in s0): s0=%s s1=%s", ready(s[0]), ready(s[1]));
    FACT("s1 write: %s", res(write(s[1], "y", 1)));
    FACT("s0 read (data queued before SHUT_RD): %s", res(read(s[0], big, 10)));
    FACT("s0 read again: %s", res(read(s[0], big, 10)));
    FACT("after s0 drained: s0=%s", ready(s[0]));
    FACT("s0 write: %s", res(write(s[0], "x", 1)));
    FACT("s1 read: %s", res(read(s[1], big, 10)));
    FACT("s1 read again: %s", res(read(s[1], big, 10)));
    close(s[0]); close(s[1]);

    /* SHUT_RD with the peer's writes filling our buffer: the peer keeps its charge */
    mk(s);
    while (write(s[1], big, 65536) > 0) {}
    shutdown(s[0], SHUT_RD);
    FACT("s1 filled s0 then s0 SHUT_RD: s1=%s outq(s1)=%ld", ready(s[1]), outq(s[1]));
    close(s[0]); close(s[1]);

    /* SHUT_RDWR */
    mk(s);
    FACT("shutdown(s0, SHUT_RDWR): %s", res(shutdown(s[0], SHUT_RDWR)));
    FACT("after s0 SHUT_RDWR: s0=%s s1=%s", ready(s[0]), ready(s[1]));
    FACT("s0 read: %s", res(read(s[0], big, 1)));
    FACT("s0 write: %s", res(write(s[0], "x", 1)));
    FACT("s1 read: %s", res(read(s[1], big, 1)));
    FACT("s1 write: %s", res(write(s[1], "x", 1)));
    FACT("shutdown(s0, 3) invalid how: %s", res(shutdown(s[0], 3)));
    FACT("shutdown(s0, -1) invalid how: %s", res(shutdown(s[0], -1)));
    close(s[0]); close(s[1]);

    /* peer close, nothing unread in the closed end */
    mk(s);
    write(s[0], "abc", 3);
    close(s[0]);
    FACT("peer closed, own data unread: s1=%s", ready(s[1]));
    FACT("s1 read: %s", res(read(s[1], big, 10)));
    FACT("s1 read again: %s", res(read(s[1], big, 10)));
    FACT("peer closed, drained: s1=%s", ready(s[1]));
    FACT("s1 write: %s", res(write(s[1], "x", 1)));
    FACT("s1 write len=0: %s", res(write(s[1], "x", 0)));
    FACT("s1 shutdown(SHUT_RDWR) after peer close: %s", res(shutdown(s[1], SHUT_RDWR)));
    close(s[1]);

    /* peer close with unread data in the closed end's receive buffer */
    mk(s);
    write(s[1], "abc", 3);
    write(s[0], "de", 2);
    close(s[0]);
    FACT("peer closed with unread data: s1=%s outq(s1)=%ld", ready(s[1]), outq(s[1]));
    FACT("s1 read: %s", res(read(s[1], big, 10)));
    FACT("after reading own data: s1=%s", ready(s[1]));
    FACT("s1 read: %s", res(read(s[1], big, 10)));
    FACT("after the error was read: s1=%s", ready(s[1]));
    FACT("s1 read: %s", res(read(s[1], big, 10)));
    close(s[1]);

    mk(s);
    write(s[1], "abc", 3);
    close(s[0]);
    FACT("(2) peer closed with unread data, s1 write first: %s", res(write(s[1], "x", 1)));
    FACT("(2) then s1=%s", ready(s[1]));
    FACT("(2) s1 peek: %s", res(recv(s[1], big, 10, MSG_PEEK)));
    FACT("(2) then s1=%s", ready(s[1]));
    FACT("(2) s1 read: %s", res(read(s[1], big, 10)));
    close(s[1]);

    mk(s);
    write(s[1], "abc", 3);
    close(s[0]);
    FACT("(3) peer closed with unread data, s1 read len=0: %s", res(read(s[1], big, 0)));
    FACT("(3) s1 recv len=0: %s", res(recv(s[1], big, 0, 0)));
    FACT("(3) then s1=%s", ready(s[1]));
    close(s[1]);

    /* peer closed after a SHUT_RD with unread data */
    mk(s);
    write(s[1], "abc", 3);
    shutdown(s[0], SHUT_RD);
    close(s[0]);
    FACT("(4) peer SHUT_RD then closed with unread data: s1=%s", ready(s[1]));
    close(s[1]);

    /* send/recv on a pipe */
    int p[2];
    pipe(p);
    FACT("send on pipe: %s", res(send(p[1], "x", 1, 0)));
    FACT("recv on pipe: %s", res(recv(p[0], big, 1, MSG_DONTWAIT)));
    FACT("shutdown on pipe: %s", res(shutdown(p[0], SHUT_RD)));
    close(p[0]); close(p[1]);
    return 0;
}
