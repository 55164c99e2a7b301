/* Native version of programs/files/sockopts.mir. */
#include "scen.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static int n;
static void nshow(long r) { if (r < 0) show(r); else printf("%ld n=%d\n", r, n); }
static int v;
static socklen_t l;
static void vshow(long r) { if (r < 0) show(r); else printf("%ld v=%d l=%d\n", r, v, (int)l); }

int main(void) {
    init();
    int p[2];
    pipe(p);
    lab("FIONREAD empty pipe"); n = -1; nshow(ioctl(p[0], FIONREAD, &n));
    write(p[1], "hello", 5);
    lab("FIONREAD pipe"); nshow(ioctl(p[0], FIONREAD, &n));
    lab("FIONREAD pipe write end"); n = -1; nshow(ioctl(p[1], FIONREAD, &n));
    lab("FIONREAD NULL"); show(ioctl(p[0], FIONREAD, NULL));
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "abc", 3);
    lab("FIONREAD socket"); nshow(ioctl(sv[1], FIONREAD, &n));
    lab("FIONREAD socket sender"); nshow(ioctl(sv[0], FIONREAD, &n));
    int f = open("f", O_RDWR | O_CREAT, 0644);
    write(f, "0123456789", 10);
    lseek(f, 4, SEEK_SET);
    lab("FIONREAD file at 4 of 10"); nshow(ioctl(f, FIONREAD, &n));
    int e = eventfd(3, 0);
    lab("FIONREAD eventfd"); show(ioctl(e, FIONREAD, &n));
    int ep = epoll_create1(0);
    lab("FIONREAD epoll"); show(ioctl(ep, FIONREAD, &n));
    lab("FIONREAD bad fd"); show(ioctl(99, FIONREAD, &n));
    int one = 1, zero = 0;
    lab("FIONBIO 1"); show(ioctl(p[0], FIONBIO, &one));
    lab("F_GETFL"); show(fcntl(p[0], F_GETFL));
    lab("FIONBIO 0"); show(ioctl(p[0], FIONBIO, &zero));
    lab("F_GETFL"); show(fcntl(p[0], F_GETFL));
    lab("FIONBIO NULL"); show(ioctl(p[0], FIONBIO, NULL));
    lab("FIONBIO eventfd"); show(ioctl(e, FIONBIO, &one));
    lab("F_GETFL eventfd"); show(fcntl(e, F_GETFL));
    lab("ioctl 0x1234 pipe"); show(ioctl(p[0], 0x1234, &n));
    l = 4; lab("SO_SNDBUF"); vshow(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l));
    l = 4; lab("SO_RCVBUF"); vshow(getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &l));
    l = 4; lab("SO_TYPE"); vshow(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l));
    l = 4; lab("SO_ERROR"); vshow(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &l));
    v = 0; l = 2; lab("SO_TYPE len 2"); vshow(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l));
    l = (socklen_t)-1; lab("SO_TYPE len -1"); show(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l));
    l = 4; lab("getsockopt pipe"); show(getsockopt(p[0], SOL_SOCKET, SO_TYPE, &v, &l));
    l = 4; lab("getsockopt level 6"); show(getsockopt(sv[0], 6, 1, &v, &l));
    l = 4; lab("getsockopt option 999"); show(getsockopt(sv[0], SOL_SOCKET, 999, &v, &l));
    lab("getsockopt NULL optlen"); show(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, NULL));
    v = 1000; lab("setsockopt SO_SNDBUF 1000"); show(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, 4));
    l = 4; lab("SO_SNDBUF"); vshow(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l));
    v = 100000; lab("setsockopt SO_SNDBUF 100000"); show(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, 4));
    l = 4; lab("SO_SNDBUF"); vshow(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l));
    v = 1 << 30; lab("setsockopt SO_SNDBUF 1<<30"); show(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, 4));
    l = 4; lab("SO_SNDBUF"); vshow(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l));
    v = 1000; lab("setsockopt SO_RCVBUF 1000"); show(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, 4));
    l = 4; lab("SO_RCVBUF"); vshow(getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &l));
    lab("setsockopt optlen 2"); show(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, 2));
    lab("setsockopt SO_TYPE"); show(setsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, 4));
    /* The send buffer bounds what a non-blocking write queues: at SO_SNDBUF 4608 (asked 1000)
     * a 100000-byte write takes one skb. */
    int a[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a);
    static char big[100000];
    lab("write 100000, default SO_SNDBUF"); show(write(a[0], big, sizeof big));
    int b[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b);
    v = 1000; setsockopt(b[0], SOL_SOCKET, SO_SNDBUF, &v, 4);
    lab("write 100000, SO_SNDBUF 1000"); show(write(b[0], big, sizeof big));
    lab("write again"); show(write(b[0], big, sizeof big));
    lab("F_GETPIPE_SZ"); show(fcntl(p[0], F_GETPIPE_SZ));
    lab("F_SETPIPE_SZ 5000"); show(fcntl(p[0], F_SETPIPE_SZ, 5000));
    lab("F_GETPIPE_SZ write end"); show(fcntl(p[1], F_GETPIPE_SZ));
    lab("F_SETPIPE_SZ 0"); show(fcntl(p[0], F_SETPIPE_SZ, 0));
    lab("F_SETPIPE_SZ 100000"); show(fcntl(p[1], F_SETPIPE_SZ, 100000));
    lab("F_SETPIPE_SZ 1<<20"); show(fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
    lab("F_SETPIPE_SZ (1<<20) + 1"); show(fcntl(p[1], F_SETPIPE_SZ, (1 << 20) + 1));
    lab("F_SETPIPE_SZ -1"); show(fcntl(p[1], F_SETPIPE_SZ, -1));
    lab("F_SETPIPE_SZ 1<<31"); show(fcntl(p[1], F_SETPIPE_SZ, 1u << 31));
    lab("F_SETPIPE_SZ eventfd"); show(fcntl(e, F_SETPIPE_SZ, 4096));
    fcntl(p[1], F_SETPIPE_SZ, 65536);
    static char buf[20000];
    read(p[0], buf, 100);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    lab("write 10000"); show(write(p[1], buf, 10000));
    lab("F_SETPIPE_SZ 8192 with 10000 queued"); show(fcntl(p[1], F_SETPIPE_SZ, 8192));
    lab("F_SETPIPE_SZ 16384 with 10000 queued"); show(fcntl(p[1], F_SETPIPE_SZ, 16384));
    lab("write 20000"); show(write(p[1], buf, 20000));
    lab("write 1"); show(write(p[1], buf, 1));
    return 0;
}
