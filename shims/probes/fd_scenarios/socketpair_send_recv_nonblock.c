// Native version of programs/fds/socketpair_send_recv_nonblock.mir (Miri libc-socketpair-no-blocking.rs
// test_send_recv_nonblock (reference §5.6 item 4)).
#include "scen.h"

static int sv[2];

static void *server(void *arg) {
    (void)arg;
    char buf[16];
    usleep(10000);
    lock();
    w("server: send 0123456789", sv[1], "0123456789", 10);
    unlock();
    long got = 0, r;
    while (got < 10 && (r = recv(sv[1], buf + got, 10 - got, 0)) > 0) got += r;
    lock();
    shown_("server: received back", got, 0, buf);
    unlock();
    return NULL;
}

int main(void) {
    init();
    char buf[16];
    char *chunk = calloc(1, 32000);
    SHOW("client: socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    SHOW("client: F_SETFL sv0 O_NONBLOCK", fcntl(sv[0], F_SETFL, O_NONBLOCK));
    pthread_t t = spawn(server, 0);
    long got = 0, r;
    errno = 0;
    r = recv(sv[0], buf + got, 10 - got, 0);
    show_("client: first receive", r, errno);
    while (got < 10) {
        r = recv(sv[0], buf + got, 10 - got, 0);
        if (r > 0) got += r;
        else if (errno == EAGAIN) usleep(10000);
        else break;
    }
    lock();
    shown_("client: received", got, 0, buf);
    SHOW("client: send them back", send(sv[0], buf, 10, 0));
    long chunks = 0, total = 0;
    while ((r = send(sv[0], chunk, 32000, 0)) > 0) {
        chunks++;
        total += r;
    }
    int e = errno;
    printf("client: 32000-byte sends: %ld calls, %ld bytes, then ", chunks, total);
    show_("send", r, e);
    unlock();
    join(t);
    return 0;
}
