/* Native version of programs/processes/fork_epoll.mir: an epoll interest belongs to its (fd,
 * description) pair. It survives in the child; when the parent closes its fd, the child's fd
 * keeps the description, and the interest with it (events still delivered, but EPOLL_CTL_DEL
 * through the closed fd is EBADF); when the child exits, the description's last fd is gone and
 * so is the interest. */
#include "procs.h"
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

int main(void) {
    init();
    int e = eventfd(0, 0), ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 }, out;
    lab("ctl add"); show(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev));
    int go[2], done[2];
    pipe(go);
    pipe(done);
    pid_t c = fork();
    if (c == 0) {
        char x;
        read(go[0], &x, 1);
        uint64_t one = 1;
        write(e, &one, 8);
        /* the child's own view of the shared instance */
        int n = epoll_wait(ep, &out, 1, 0);
        char b[2] = { (char)n, (char)(n > 0 ? out.data.u64 : 0) };
        write(done[1], b, 2);
        read(go[0], &x, 1);
        _exit(0);
    }
    lab("parent closes its eventfd"); show(close(e));
    lab("wait in parent, nothing yet"); show(epoll_wait(ep, &out, 1, 0));
    write(go[1], "x", 1);
    char b[2];
    read(done[0], b, 2);
    lab("child's epoll_wait"); show(b[0]);
    lab("child's event data"); show(b[1]);
    int n = epoll_wait(ep, &out, 1, 0);
    lab("parent's epoll_wait after the child's write"); show(n);
    lab("its data"); show(n > 0 ? (long)out.data.u64 : -2);
    lab("ctl del through the closed fd"); show(epoll_ctl(ep, EPOLL_CTL_DEL, e, &ev));
    write(go[1], "x", 1);
    int s = 0;
    long r = waitpid(c, &s, 0);
    lab("child exits"); st(r, c, s);
    lab("epoll_wait after the last fd is closed"); show(epoll_wait(ep, &out, 1, 0));
    int e2 = eventfd(1, 0);
    lab("a new eventfd on the same number"); show(e2 == e);
    lab("epoll_wait: the new one is not watched"); show(epoll_wait(ep, &out, 1, 0));
    lab("ctl add of the new one"); show(epoll_ctl(ep, EPOLL_CTL_ADD, e2, &ev));
    return 0;
}
