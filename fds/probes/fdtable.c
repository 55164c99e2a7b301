/* The fd table: numbering, close, dup, dup2, dup3, fcntl F_DUPFD/F_DUPFD_CLOEXEC/F_GETFD/F_SETFD,
 * per-description status flags vs per-number FD_CLOEXEC, RLIMIT_NOFILE and EMFILE. */
#include "common.h"
#include <sys/resource.h>

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    FACT("RLIMIT_NOFILE: soft=%llu hard=%llu", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
    for (int fd = 3; fd < 64; fd++) close(fd);

    int a = eventfd(0, 0);
    FACT("first new fd: %d", a);
    int b = eventfd(0, 0), c = eventfd(0, 0);
    FACT("next two: %d %d", b, c);
    close(b);
    FACT("after closing %d, next new fd: %s", b, res(eventfd(0, 0)));
    FACT("close(%d) twice: %s then %s", b, res(close(b)), "see next line");
    FACT("close again: %s", res(close(b)));
    FACT("close(-1): %s", res(close(-1)));
    FACT("close(1<<30): %s", res(close(1 << 30)));
    FACT("close(INT_MAX): %s", res(close(0x7fffffff)));

    FACT("dup(-1): %s", res(dup(-1)));
    FACT("dup(100 unused): %s", res(dup(100)));
    FACT("dup(%d): %s", a, res(dup(a)));          /* lowest free */
    FACT("dup2(%d, %d) same valid: %s", a, a, res(dup2(a, a)));
    FACT("dup2(100, 100) same invalid: %s", res(dup2(100, 100)));
    FACT("dup2(%d, -1): %s", a, res(dup2(a, -1)));
    FACT("dup2(-1, 50): %s", res(dup2(-1, 50)));
    FACT("dup2(%d, 50): %s", a, res(dup2(a, 50)));
    FACT("dup2(%d, soft limit): %s", a, res(dup2(a, (int)rl.rlim_cur)));
    FACT("dup2(%d, soft limit - 1): %s", a, res(dup2(a, (int)rl.rlim_cur - 1)));
    close((int)rl.rlim_cur - 1);
    FACT("dup2(100, soft limit) bad old and new: %s", res(dup2(100, (int)rl.rlim_cur)));
    FACT("dup3(%d, %d, 0) same: %s", a, a, res(dup3(a, a, 0)));
    FACT("dup3(100, 100, 0) same invalid: %s", res(dup3(100, 100, 0)));
    FACT("dup3(%d, 51, O_NONBLOCK): %s", a, res(dup3(a, 51, O_NONBLOCK)));
    FACT("dup3(%d, 51, 1): %s", a, res(dup3(a, 51, 1)));
    FACT("dup3(100, 51, 0): %s", res(dup3(100, 51, 0)));
    FACT("dup3(%d, 51, O_CLOEXEC): %s getfd=%d", a, res(dup3(a, 51, O_CLOEXEC)), 0);
    FACT("  getfd(51)=%d", fcntl(51, F_GETFD));
    FACT("dup2(%d, 51) over a cloexec fd: %s getfd(51)=%d", a, res(dup2(a, 51)), 0);
    FACT("  getfd(51)=%d", fcntl(51, F_GETFD));

    FACT("F_DUPFD(%d, 40): %s", a, res(fcntl(a, F_DUPFD, 40)));
    FACT("F_DUPFD(%d, 40) again: %s", a, res(fcntl(a, F_DUPFD, 40)));
    FACT("F_DUPFD(%d, 0): %s", a, res(fcntl(a, F_DUPFD, 0)));
    FACT("F_DUPFD(%d, -1): %s", a, res(fcntl(a, F_DUPFD, -1)));
    FACT("F_DUPFD(%d, soft limit): %s", a, res(fcntl(a, F_DUPFD, (long)rl.rlim_cur)));
    FACT("F_DUPFD(%d, soft limit - 1): %s", a, res(fcntl(a, F_DUPFD, (long)rl.rlim_cur - 1)));
    close((int)rl.rlim_cur - 1);
    FACT("F_DUPFD(100, 0) bad fd: %s", res(fcntl(100, F_DUPFD, 0)));
    FACT("F_DUPFD(%d, 1<<32 + 45) (the kernel reads the argument as an int): %s", a, res(fcntl(a, F_DUPFD, (1L << 32) + 45)));
    FACT("F_SETFD(%d, 1<<32 | 1): %s getfd=%d", a, res(fcntl(a, F_SETFD, (1L << 32) | 1)), 0);
    FACT("  getfd=%d", fcntl(a, F_GETFD));
    fcntl(a, F_SETFD, 0);
    int d = fcntl(a, F_DUPFD_CLOEXEC, 60);
    FACT("F_DUPFD_CLOEXEC(%d, 60): %d getfd=%d", a, d, fcntl(d, F_GETFD));
    FACT("getfd(%d) original: %d", a, fcntl(a, F_GETFD));
    FACT("dup(%d) of a cloexec fd: getfd=%d", d, fcntl(dup(d), F_GETFD));
    FACT("F_SETFD(%d, 0xff): %s", a, res(fcntl(a, F_SETFD, 0xff)));
    FACT("  getfd=%d", fcntl(a, F_GETFD));
    FACT("F_SETFD(%d, 0): %s", a, res(fcntl(a, F_SETFD, 0)));
    FACT("  getfd=%d", fcntl(a, F_GETFD));
    FACT("F_GETFD(100): %s", res(fcntl(100, F_GETFD)));
    FACT("F_GETFD(-1): %s", res(fcntl(-1, F_GETFD)));
    FACT("F_GETFL(100): %s", res(fcntl(100, F_GETFL)));
    FACT("F_SETFL(%d, O_NONBLOCK): %s", a, res(fcntl(a, F_SETFL, O_NONBLOCK)));
    FACT("  getfl of its dup %d: %s (status flags belong to the description)", d, getfl(d));

    /* dup2 over an open fd closes it: the last writer of a pipe goes away */
    int p[2];
    pipe2(p, O_NONBLOCK);
    int ev = eventfd(0, 0);
    FACT("dup2(eventfd, pipe write end): %s", res(dup2(ev, p[1])));
    char x;
    FACT("  read on the pipe: %s (EOF: the write end was closed by dup2)", res(read(p[0], &x, 1)));

    /* EMFILE */
    rl.rlim_cur = 16;
    setrlimit(RLIMIT_NOFILE, &rl);
    for (int fd = 3; fd < 64; fd++) close(fd);
    int last = -1, n;
    while ((n = eventfd(0, 0)) >= 0) last = n;
    FACT("RLIMIT_NOFILE=16: eventfd until failure: last fd %d, then %s", last, errname(errno));
    FACT("  dup: %s", res(dup(3)));
    FACT("  F_DUPFD(3, 0): %s", res(fcntl(3, F_DUPFD, 0)));
    FACT("  F_DUPFD(3, 16): %s", res(fcntl(3, F_DUPFD, 16)));
    FACT("  dup2(3, 16): %s", res(dup2(3, 16)));
    FACT("  dup2(3, 15) (open): %s", res(dup2(3, 15)));
    FACT("  socketpair: %s", res(socketpair(AF_UNIX, SOCK_STREAM, 0, p)));
    FACT("  pipe: %s", res(pipe(p)));
    close(15);
    p[0] = p[1] = -7;
    FACT("  one free: pipe: %s fds=%d,%d", res(pipe(p)), p[0], p[1]);
    FACT("  one free: socketpair: %s", res(socketpair(AF_UNIX, SOCK_STREAM, 0, p)));
    FACT("  one free: next free is still 15: %s", res(eventfd(0, 0)));
    return 0;
}
