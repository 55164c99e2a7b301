/* Native version of programs/epoll/edges_pipe_blocking_write.mir. */
#include "ep.h"

static int p[2];
static char PAGE[4096], BIG[100000];
static int done;
static long wrote;

static void *small(void *arg) { (void)arg; wrote = write(p[1], "y", 1); return NULL; }
static void *big(void *arg) {
    (void)arg;
    wrote = write(p[1], BIG, 100000);
    __atomic_store_n(&done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

int main(void) {
    init();
    if (pipe(p)) return 1;
    int ep = epoll_create1(0);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    while (write(p[1], PAGE, 4096) == 4096) {}
    fcntl(p[1], F_SETFL, 0);
    lab("the pipe is full; ADD read end IN|ET"); ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, 1);
    lab("wait"); w0(ep);
    pthread_t t = spawn(small, 0);
    msleep(20);
    lab("a thread's blocking 1-byte write blocks: wait"); w0(ep);
    lab("read a slot"); rd(p[0], 4096);
    join(t);
    printf("the write returned %ld\n", wrote);
    lab("wait"); w0(ep);
    close(p[0]); close(p[1]); close(ep);
    if (pipe(p)) return 1;
    ep = epoll_create1(0);
    lab("an empty pipe; ADD read end IN|ET"); ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, 1);
    t = spawn(big, 0);
    msleep(20);
    lab("a thread's blocking 100000-byte write fills it and blocks: wait"); w0(ep);
    lab("read a slot"); rd(p[0], 4096);
    msleep(20);
    lab("wait"); w0(ep);
    int edges = 0;
    char b[4096];
    while (!__atomic_load_n(&done, __ATOMIC_SEQ_CST)) {
        if (read(p[0], b, 4096)) {}
        msleep(10);
        long n = rec(0, ep, 8, 0);
        if (!__atomic_load_n(&done, __ATOMIC_SEQ_CST) && n > 0) edges++;
    }
    printf("edges while the write was still blocked: %d\n", edges);
    lab("the read that let the write complete"); got(0);
    join(t);
    printf("the write returned %ld\n", wrote);
    return 0;
}
