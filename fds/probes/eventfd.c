/* eventfd(2): counter semantics, EINVAL cases, limits, EFD_SEMAPHORE, readiness, F_GETFL. */
#include "common.h"

static long wr(int fd, uint64_t v, size_t len) {
    char buf[16] = {0};
    memcpy(buf, &v, 8);
    return write(fd, buf, len);
}
static long rd(int fd, uint64_t *v, size_t len) {
    char buf[16] = {0};
    long r = read(fd, buf, len);
    memcpy(v, buf, 8);
    return r;
}

int main(void) {
    uint64_t v = 0;
    int fd = eventfd(0, EFD_NONBLOCK);
    FACT("getfl eventfd(0, EFD_NONBLOCK): %s", getfl(fd));
    FACT("ready counter=0: %s", ready(fd));
    FACT("read counter=0 nonblock: %s", res(rd(fd, &v, 8)));
    FACT("read len=0: %s", res(rd(fd, &v, 0)));
    FACT("read len=7: %s", res(rd(fd, &v, 7)));
    FACT("write len=0: %s", res(wr(fd, 1, 0)));
    FACT("write len=7: %s", res(wr(fd, 1, 7)));
    FACT("write len=9: %s", res(wr(fd, 1, 9)));
    FACT("write 0xffffffffffffffff: %s", res(wr(fd, UINT64_MAX, 8)));
    FACT("write 0: %s", res(wr(fd, 0, 8)));
    FACT("ready after write 0: %s", ready(fd));
    FACT("write 1: %s", res(wr(fd, 1, 8)));
    FACT("ready counter=1: %s", ready(fd));
    long r = rd(fd, &v, 9);
    FACT("read len=9 counter=1: %s value=%llu", res(r), (unsigned long long)v);
    FACT("write 0xfffffffffffffffe (max) on 0: %s", res(wr(fd, UINT64_MAX - 1, 8)));
    FACT("ready counter=max: %s", ready(fd));
    FACT("write 0 at max: %s", res(wr(fd, 0, 8)));
    FACT("write 1 at max: %s", res(wr(fd, 1, 8)));
    r = rd(fd, &v, 8);
    FACT("read at max: %s value=%llu", res(r), (unsigned long long)v);
    FACT("write 5: %s", res(wr(fd, 5, 8)));
    FACT("write 0xfffffffffffffffa (5+that = max+1): %s", res(wr(fd, UINT64_MAX - 5, 8)));
    FACT("write 0xfffffffffffffff9 (5+that = max): %s", res(wr(fd, UINT64_MAX - 6, 8)));
    r = rd(fd, &v, 8);
    FACT("read: %s value=%llu", res(r), (unsigned long long)v);
    FACT("ready after read: %s", ready(fd));
    close(fd);

    fd = eventfd(3, EFD_NONBLOCK | EFD_SEMAPHORE);
    for (int i = 0; i < 4; i++) {
        r = rd(fd, &v, 8);
        FACT("semaphore(3) read #%d: %s value=%llu", i + 1, res(r), (unsigned long long)v);
    }
    FACT("semaphore write 0xfffffffffffffffe: %s", res(wr(fd, UINT64_MAX - 1, 8)));
    r = rd(fd, &v, 8);
    FACT("semaphore read at max: %s value=%llu", res(r), (unsigned long long)v);
    FACT("semaphore ready after read at max: %s", ready(fd));
    close(fd);

    fd = eventfd(10, 0);
    FACT("getfl eventfd(10, 0): %s", getfl(fd));
    r = rd(fd, &v, 8);
    FACT("initval 10 read: %s value=%llu", res(r), (unsigned long long)v);
    FACT("getfd eventfd(10, 0): %d", fcntl(fd, F_GETFD));
    FACT("setfl O_NONBLOCK: %s", setfl(fd, O_NONBLOCK));
    FACT("read counter=0 after setfl O_NONBLOCK: %s", res(rd(fd, &v, 8)));
    FACT("setfl O_APPEND: %s", setfl(fd, O_APPEND));
    FACT("setfl O_WRONLY|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_NONBLOCK: %s",
         setfl(fd, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_NONBLOCK));
    FACT("setfl 0: %s", setfl(fd, 0));
    close(fd);

    fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    FACT("getfl eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK): %s", getfl(fd));
    FACT("getfd eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK): %d", fcntl(fd, F_GETFD));
    close(fd);
    FACT("eventfd(0, 0x4) unknown flag: %s", res(eventfd(0, 0x4)));
    FACT("eventfd(0xffffffff, 0) initval u32::MAX: %s", res(fd = eventfd(0xffffffffu, EFD_NONBLOCK)));
    r = rd(fd, &v, 8);
    FACT("initval u32::MAX read: %s value=%llu", res(r), (unsigned long long)v);
    close(fd);
    return 0;
}
