/* AF_UNIX SOCK_STREAM send-buffer accounting. For every single write size n in 1..=MAX on an
 * empty socketpair, print SIOCOUTQ (= the sender's sk_wmem_alloc: the summed skb truesize of what
 * it wrote and the peer has not consumed yet), run-length encoded: "n=a..b outq=T" means every
 * write size in a..b is charged T bytes. Also prints SO_SNDBUF/SO_RCVBUF. */
#include "common.h"
#include <linux/sockios.h>

static char big[1 << 20];

static long outq(int fd) {
    int v = -1;
    if (ioctl(fd, SIOCOUTQ, &v) < 0) return -errno;
    return v;
}

int main(int argc, char **argv) {
    long max = argc > 1 ? atol(argv[1]) : 220000;
    int s[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s) < 0) return 1;
    int v;
    socklen_t l = sizeof v;
    getsockopt(s[0], SOL_SOCKET, SO_SNDBUF, &v, &l);
    FACT("SO_SNDBUF: %d", v);
    getsockopt(s[0], SOL_SOCKET, SO_RCVBUF, &v, &l);
    FACT("SO_RCVBUF: %d", v);
    long prev = -1, start = 1, prevw = -1;
    for (long n = 1; n <= max + 1; n++) {
        long w = 0, q = -2;
        if (n <= max) {
            w = write(s[0], big, n);
            q = outq(s[0]);
            while (read(s[1], big, sizeof big) > 0) {}
            if (outq(s[0]) != 0) { FACT("outq not drained at n=%ld", n); return 1; }
        }
        if (n > 1 && (q != prev || (w != n) != (prevw != n - 1))) {
            FACT("n=%ld..%ld outq=%ld%s", start, n - 1, prev, prevw != n - 1 ? " (partial write)" : "");
            start = n;
        }
        prev = q;
        prevw = w;
    }
    return 0;
}
