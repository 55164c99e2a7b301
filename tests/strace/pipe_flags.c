#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
int main(void) {
    int fds[2];
    char buf[64];
    pipe2(fds, O_NONBLOCK);
    write(fds[1], "hello\nworld\x01\x02 and a long long long long tail", 45);
    read(fds[0], buf, 64);
    fcntl(fds[0], F_GETFL);
    fcntl(fds[0], F_SETFL, 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    read(fds[0], buf, 64);
    close(fds[1]);
    read(fds[0], buf, 64);
    return 0;
}
