/* Which file operations wake epoll (a new edge for EPOLLET, even when readiness did not change),
 * and with which key: Linux filters a wakeup by its key (the poll bits the waker names) against
 * the interest's events before queueing. Every fact: register EPOLLET, consume the pending
 * event, do one operation, wait (timeout 0). "[]" = no edge (or an edge whose readiness is gone). */
#include "common.h"

static void eventfd_edges(void) {
    int ep, e;
    ep = epoll_create1(0); e = efd(1, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLOUT | EPOLLET, "efd"); w(ep);
    efd_write(e, 1);
    FACT("eventfd IN|OUT, readable, write 1 (still readable): %s", w(ep));
    efd_write(e, 0);
    FACT("eventfd IN|OUT, readable, write 0: %s", w(ep));
    efd_read(e);
    FACT("eventfd IN|OUT, read (counter 2 -> 0): %s", w(ep));
    efd_write(e, 0);
    FACT("eventfd IN|OUT, counter 0, write 0: %s", w(ep));
    FACT("eventfd read on counter 0: %s", res(read(e, &(uint64_t){0}, 8)));
    FACT("eventfd IN|OUT, after a failed read (EAGAIN): %s", w(ep));
    FACT("eventfd write of 7 bytes: %s", res(write(e, "1234567", 7)));
    FACT("eventfd IN|OUT, after a failed write (EINVAL): %s", w(ep));
    close(e); close(ep);

    ep = epoll_create1(0); e = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLOUT | EPOLLET, "efd_out"); w(ep);
    efd_write(e, 1);
    FACT("eventfd OUT only, write 1 (wakeup key IN): %s", w(ep));
    efd_write(e, 0);
    FACT("eventfd OUT only, write 0 (wakeup key IN): %s", w(ep));
    efd_read(e);
    FACT("eventfd OUT only, read (wakeup key OUT): %s", w(ep));
    close(e); close(ep);

    ep = epoll_create1(0); e = efd(0, EFD_NONBLOCK);
    efd_write(e, 0xfffffffffffffffeULL);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, "efd_in"); w(ep);
    FACT("eventfd at its maximum, write 1: %s", res(write(e, &(uint64_t){1}, 8)));
    FACT("eventfd IN only, after a failed write (EAGAIN): %s", w(ep));
    efd_read(e);
    FACT("eventfd IN only, read (wakeup key OUT, not readable now): %s", w(ep));
    efd_write(e, 1); w(ep);
    efd_read(e); efd_write(e, 1);
    FACT("eventfd IN only, read then write: %s", w(ep));
    close(e); close(ep);
}

static void pipe_edges(void) {
    int p[2], ep;
    pipe2(p, O_NONBLOCK); ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, "r");
    ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLET, "w");
    FACT("pipe registered: %s", w(ep));
    wr(p[1], "a", 1);
    FACT("pipe write 1 byte into an empty pipe: %s", w(ep));
    wr(p[1], "b", 1);
    FACT("pipe write 1 byte while already readable: %s", w(ep));
    FACT("pipe write 0 bytes: %s", res(write(p[1], "", 0)));
    FACT("pipe after a 0-byte write: %s", w(ep));
    rd(p[0], 1);
    FACT("pipe read 1 of 2 bytes (not full before): %s", w(ep));
    rd(p[0], 1);
    FACT("pipe read the last byte (not full before): %s", w(ep));
    FACT("pipe read 0 bytes: %s", res(read(p[0], NULL, 0)));
    FACT("pipe after a 0-byte read: %s", w(ep));
    FACT("pipe read on empty: %s", res(rd(p[0], 1)));
    FACT("pipe after a failed read (EAGAIN): %s", w(ep));
    char page[4096]; memset(page, 'x', sizeof page);
    int n = 0; while (write(p[1], page, 4096) == 4096) n++;
    FACT("pipe filled with %d page writes: %s", n, w(ep));
    FACT("pipe write on full: %s", res(write(p[1], "x", 1)));
    FACT("pipe after a failed write (EAGAIN): %s", w(ep));
    rd(p[0], 1);
    FACT("pipe full, read 1 byte (no slot freed): %s", w(ep));
    rd(p[0], 4095);
    FACT("pipe full, read the rest of the first slot (slot freed): %s", w(ep));
    rd(p[0], 4096);
    FACT("pipe no longer full, read a whole slot: %s", w(ep));
    n = 0; while (write(p[1], page, 4096) == 4096) n++;
    w(ep);
    rd(p[0], 8192);
    FACT("pipe full, one read of two slots: %s", w(ep));
    close(p[1]);
    FACT("pipe write end closed (data still buffered): %s", w(ep));
    close(p[0]); close(ep);

    pipe2(p, O_NONBLOCK); ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLET, "w"); w(ep);
    close(p[0]);
    FACT("pipe write end, read end closed: %s", w(ep));
    close(p[1]); close(ep);

    pipe2(p, O_NONBLOCK); ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, "r");
    int d = dup(p[1]);
    close(p[1]);
    FACT("pipe read end, one of two write fds closed: %s", w(ep));
    close(d);
    FACT("pipe read end, last write fd closed, empty: %s", w(ep));
    close(p[0]); close(ep);
}

static void socket_edges(void) {
    int sv[2], ep;
    sock(sv, 1); ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, sv[1], EPOLLOUT | EPOLLET, "s1_out"); w(ep);
    wr(sv[0], "abc", 3);
    FACT("socket OUT only, peer writes (wakeup key IN|PRI|RDNORM|RDBAND): %s", w(ep));
    FACT("socket peer writes 0 bytes: %s", res(write(sv[0], "", 0)));
    FACT("socket OUT only, after a 0-byte write by the peer: %s", w(ep));
    close(ep); ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, sv[1], EPOLLIN | EPOLLET, "s1_in"); w(ep);
    FACT("socket 0-byte write: %s", res(write(sv[0], "", 0)));
    FACT("socket IN, readable, after a 0-byte write by the peer: %s", w(ep));
    wr(sv[0], "d", 1);
    FACT("socket IN, readable, peer writes 1 byte: %s", w(ep));
    close(ep); ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, sv[0], EPOLLOUT | EPOLLET, "s0_out"); w(ep);
    rd(sv[1], 2);
    FACT("socket OUT, peer reads part of our 3-byte write: %s", w(ep));
    rd(sv[1], 1);
    FACT("socket OUT, peer reads the rest of it: %s", w(ep));
    wr(sv[0], "ab", 2); wr(sv[0], "cd", 2); w(ep);
    rd(sv[1], 4);
    FACT("socket OUT, peer reads two of our writes at once: %s", w(ep));
    close(sv[0]); close(sv[1]); close(ep);

    /* A full socket: OUT edges come back once writable. */
    sock(sv, 1); ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, sv[0], EPOLLOUT | EPOLLET, "s0_out"); w(ep);
    int n = 0; while (write(sv[0], "x", 1) == 1) n++;
    FACT("socket filled with %d one-byte writes: %s", n, w(ep));
    int reads = 0; const char *r = "[]";
    while (reads < n) { rd(sv[1], 1); reads++; r = w(ep); if (strcmp(r, "[]")) break; }
    FACT("socket full: first OUT edge after %d one-byte reads: %s", reads, r);
    rd(sv[1], 1);
    FACT("socket writable again, one more read: %s", w(ep));
    close(sv[0]); close(sv[1]); close(ep);

    /* Shutdown and close wake everyone, whatever the interest. */
    sock(sv, 1); ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, sv[0], EPOLLOUT | EPOLLET, "s0_out");
    ctl(ep, EPOLL_CTL_ADD, sv[1], EPOLLOUT | EPOLLET, "s1_out"); w(ep);
    shutdown(sv[0], SHUT_RD);
    FACT("socket OUT only both ends, shutdown(s0, SHUT_RD): %s", w(ep));
    shutdown(sv[0], SHUT_WR);
    FACT("socket OUT only both ends, shutdown(s0, SHUT_WR): %s", w(ep));
    close(sv[0]); close(sv[1]); close(ep);
    sock(sv, 1); ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, sv[1], EPOLLOUT | EPOLLET, "s1_out"); w(ep);
    close(sv[0]);
    FACT("socket OUT only, peer closed: %s", w(ep));
    close(sv[1]); close(ep);
}

static int g_wfd;
static void *blocking_write(void *arg) { (void)arg; wr(g_wfd, "y", 1); return NULL; }
static char big[100000];
static atomic_int g_done;
static void *blocking_big_write(void *arg) { (void)arg; wr(g_wfd, big, sizeof big); atomic_store(&g_done, 1); return NULL; }

static void blocking_pipe_write(void) {
    /* A blocking write that has to wait wakes the reader before sleeping only if the pipe was
     * empty when it started (or when it last woke up); it wakes it, as any write does, when it
     * returns. */
    int p[2]; pipe(p);
    int ep = epoll_create1(0);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    char page[4096]; memset(page, 'x', sizeof page);
    while (write(p[1], page, 4096) == 4096) {}
    fcntl(p[1], F_SETFL, 0);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, "r"); w(ep);
    g_wfd = p[1];
    pthread_t t; pthread_create(&t, NULL, blocking_write, NULL);
    msleep(20);
    FACT("pipe full, a blocking 1-byte write blocks: %s", w(ep));
    rd(p[0], 4096);
    pthread_join(t, NULL);
    FACT("pipe, a slot read, the blocked write completes: %s", w(ep));
    close(p[0]); close(p[1]); close(ep);

    pipe(p); ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, "r");
    g_wfd = p[1];
    pthread_create(&t, NULL, blocking_big_write, NULL);
    msleep(20);
    FACT("empty pipe, a blocking 100000-byte write fills it and blocks: %s", w(ep));
    rd(p[0], 4096);
    msleep(20);
    FACT("then a slot read: the writer adds a page to a non-empty pipe and blocks again: %s", w(ep));
    int edges = 0; const char *last = "[]";
    while (!atomic_load(&g_done)) {
        rd(p[0], 4096);
        msleep(10);
        last = w(ep);
        if (!atomic_load(&g_done) && strcmp(last, "[]")) edges++;
    }
    pthread_join(t, NULL);
    FACT("slot by slot until the write completes: edges while it was still blocked: %d", edges);
    FACT("the read that let the write complete: %s", last);

    close(p[0]); close(p[1]); close(ep);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    eventfd_edges();
    pipe_edges();
    blocking_pipe_write();
    socket_edges();
    return 0;
}
