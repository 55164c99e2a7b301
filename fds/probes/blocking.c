/* What a thread blocked in read/write gets when the other end goes away (Linux wakes it; the VM's
 * shim must retry the operation, and spindle-fds must answer the retry as Linux answers the
 * in-progress call). Build with -pthread. SIGPIPE is ignored. */
#include "common.h"
#include <pthread.h>
#include <linux/sockios.h>

static char big[1 << 20];
static int victim;     /* fd the helper thread acts on */
static int action;     /* 0 = close, 1 = shutdown(SHUT_RD), 2 = shutdown(SHUT_WR), 3 = shutdown(SHUT_RDWR) */

static void *helper(void *arg) {
    (void)arg;
    usleep(100 * 1000);
    if (action == 0) close(victim);
    else shutdown(victim, action == 1 ? SHUT_RD : action == 2 ? SHUT_WR : SHUT_RDWR);
    return NULL;
}
static void later(int fd, int act) {
    pthread_t t;
    victim = fd;
    action = act;
    pthread_create(&t, NULL, helper, NULL);
    pthread_detach(t);
}
static int wr_fd;
static volatile int wr_done;
static void *writer(void *arg) {
    (void)arg;
    write(wr_fd, big, 1);
    wr_done = 1;
    return NULL;
}
static void blocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK); }

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    int s[2], p[2];
    long r;

    /* s1 blocked writing into s0's full buffer, s0 closed without reading */
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s);
    while (write(s[1], big, 65536) > 0) {}
    blocking(s[1]);
    later(s[0], 0);
    r = write(s[1], big, 1);
    FACT("socket: blocked write, peer closed with our data unread: %s", res(r));
    FACT("  then ready=%s", ready(s[1]));
    FACT("  then write: %s", res(write(s[1], big, 1)));
    FACT("  then read: %s", res(read(s[1], big, 1)));
    close(s[1]);

    /* same, but the blocked write had already sent part of its data in this call */
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    later(s[0], 0);
    r = write(s[1], big, 300000);
    FACT("socket: blocking write of 300000, peer closed without reading: %s", res(r));
    FACT("  then ready=%s", ready(s[1]));
    FACT("  then read: %s", res(read(s[1], big, 1)));
    close(s[1]);

    /* blocked write, peer shuts down reading (no socket error) */
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s);
    while (write(s[1], big, 65536) > 0) {}
    blocking(s[1]);
    later(s[0], 1);
    FACT("socket: blocked write, peer SHUT_RD: %s", res(write(s[1], big, 1)));
    close(s[0]); close(s[1]);

    /* blocked write, own end shut down for writing by another thread */
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s);
    while (write(s[1], big, 65536) > 0) {}
    blocking(s[1]);
    later(s[1], 2);
    FACT("socket: blocked write, own SHUT_WR: %s", res(write(s[1], big, 1)));
    close(s[0]); close(s[1]);

    /* blocked read, peer closed / shut down */
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    later(s[0], 0);
    FACT("socket: blocked read, peer closed: %s", res(read(s[1], big, 1)));
    close(s[1]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    write(s[1], "x", 1);
    later(s[0], 0);
    FACT("socket: blocked read, peer closed with unread data: %s", res(read(s[1], big, 1)));
    close(s[1]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    later(s[0], 2);
    FACT("socket: blocked read, peer SHUT_WR: %s", res(read(s[1], big, 1)));
    close(s[0]); close(s[1]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    later(s[1], 1);
    FACT("socket: blocked read, own SHUT_RD: %s", res(read(s[1], big, 1)));
    close(s[0]); close(s[1]);

    /* When is a writer blocked on a full socket woken? Fill with 1-byte skbs, block a writer,
     * then free skbs one by one and watch whether the writer got through. */
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s);
    while (write(s[1], big, 1) > 0) {}
    blocking(s[1]);
    wr_fd = s[1];
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    usleep(100 * 1000);
    long freed = 0;
    while (!wr_done && freed < 300) {
        read(s[0], big, 1);
        freed++;
        usleep(2000);
        int q;
        ioctl(s[1], SIOCOUTQ, &q);
        if (freed == 10) FACT("socket: 10 skbs freed (outq=%d < SO_SNDBUF), blocked writer done: %d", q, wr_done);
    }
    pthread_join(t, NULL);
    FACT("socket: blocked 1-byte writer got through after %ld skbs were freed (writable again at outq <= 53247: 278 - 69 = 209)", freed);
    close(s[0]); close(s[1]);

    /* pipes */
    pipe2(p, O_NONBLOCK);
    while (write(p[1], big, 4096) > 0) {}
    blocking(p[1]);
    later(p[0], 0);
    FACT("pipe: blocked write, reader closed: %s", res(write(p[1], big, 1)));
    close(p[1]);
    pipe(p);
    later(p[0], 0);
    FACT("pipe: blocking write of 100000, reader closed: %s", res(write(p[1], big, 100000)));
    close(p[1]);
    pipe(p);
    later(p[1], 0);
    FACT("pipe: blocked read, writer closed: %s", res(read(p[0], big, 1)));
    close(p[0]);
    return 0;
}
