/* What the VM's stdin/stdout/stderr imitate: stdin reads like /dev/null (EOF), stdout/stderr accept
 * every write, and neither supports epoll, like /dev/null. The probe opens /dev/null itself. */
#include "common.h"

int main(void) {
    int r = open("/dev/null", O_RDONLY), w = open("/dev/null", O_WRONLY);
    char b[4];
    FACT("getfl /dev/null O_RDONLY: %s", getfl(r));
    FACT("getfl /dev/null O_WRONLY: %s", getfl(w));
    FACT("read /dev/null: %s", res(read(r, b, 4)));
    FACT("write /dev/null: %s", res(write(w, "abc", 3)));
    FACT("read O_WRONLY fd: %s", res(read(w, b, 4)));
    FACT("write O_RDONLY fd: %s", res(write(r, "abc", 3)));
    struct pollfd p[2] = {{.fd = r, .events = POLLIN | POLLOUT | POLLRDHUP | POLLPRI},
                          {.fd = w, .events = POLLIN | POLLOUT | POLLRDHUP | POLLPRI}};
    poll(p, 2, 0);
    FACT("poll /dev/null revents: O_RDONLY=0x%x O_WRONLY=0x%x (POLLIN=0x%x POLLOUT=0x%x)", p[0].revents,
         p[1].revents, POLLIN, POLLOUT);
    FACT("epoll on /dev/null: %s", ready(r));
    return 0;
}
