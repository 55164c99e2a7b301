/* Native version of programs/epoll/unblocked_after_socketpair_close_nowaiter.mir. */
#include "ep.h"

static int sv[2];
static long gotr;
static char bytes[4];

static void *reader(void *arg) {
    (void)arg;
    gotr = read(sv[0], bytes, 4);
    return NULL;
}

int main(void) {
    init();
    sock(sv, 0);
    int ep = epoll_create1(0);
    lab("ADD sv1 IN|ET"); ctl(ep, EPOLL_CTL_ADD, sv[1], EPOLLIN | EPOLLET, sv[1]);
    pthread_t tr = spawn(reader, 0);
    msleep(10);
    lab("close sv0 (a thread is blocked reading it)"); cl(sv[0]);
    msleep(10);
    lab("wait"); w0(ep);
    lab("write 1234 into sv1"); w(sv[1], "1234", 4);
    msleep(10);
    lab("wait"); w0(ep);
    join(tr);
    printf("the reader got: %ld '%.4s'\n", gotr, bytes);
    return 0;
}
