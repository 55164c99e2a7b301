#include <sys/eventfd.h>
#include <stdint.h>
#include <unistd.h>
int main(void) {
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    uint64_t buf = 1;
    write(efd, &buf, 8);
    read(efd, &buf, 8);
    read(efd, &buf, 8);
    close(efd);
    close(efd);
    return 0;
}
