#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
int main(void) {
    int fds[2];
    pipe(fds);
    dup(fds[0]);
    dup2(fds[0], 10);
    dup3(fds[0], 11, O_CLOEXEC);
    fcntl(11, F_GETFD);
    fcntl(10, F_SETFD, FD_CLOEXEC);
    dup3(fds[0], fds[0], 0);
    dup(99);
    fcntl(fds[0], F_DUPFD_CLOEXEC, 20);
    return 0;
}
