/* Native version of programs/epoll/wait_buffer_freed.mir. */
#include "ep.h"

static int ep;
static void *buf;
static long got_r, got_errno;

static void *waiter(void *arg) {
    (void)arg;
    got_r = epoll_wait(ep, buf, 8, -1);
    got_errno = errno;
    return NULL;
}

int main(void) {
    init();
    ep = epoll_create1(0);
    int e = eventfd(0, EFD_NONBLOCK);
    lab("ADD eventfd IN|ET"); ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, e);
    buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pthread_t t = spawn(waiter, 0);
    msleep(20);
    say("free the blocked thread's buffer");
    munmap(buf, 4096);
    lab("write 1"); wv(e, 1);
    join(t);
    printf("the thread's wait: %ld\n", got_r);
    lab("its errno"); errno = got_errno; show(-1);
    lab("main's wait"); w0(ep);
    return 0;
}
