/* Native version of programs/files/files_basic.mir. */
#include "scen.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

int main(void) {
    init();
    char b[32] = {0};
    lab("open f O_RDWR|O_CREAT 0644"); int fd = open("f", O_RDWR | O_CREAT, 0644); show(fd);
    lab("fstat new file"); st(fd);
    lab("write hello"); show(write(fd, "hello", 5));
    lab("lseek 0 SEEK_CUR"); show(lseek(fd, 0, SEEK_CUR));
    lab("lseek 0 SEEK_END"); show(lseek(fd, 0, SEEK_END));
    lab("lseek 10 SEEK_SET"); show(lseek(fd, 10, SEEK_SET));
    lab("write x at 10"); show(write(fd, "x", 1));
    lab("fstat after the hole"); st(fd);
    lab("lseek -100 SEEK_SET"); show(lseek(fd, -100, SEEK_SET));
    lab("lseek whence 7"); show(lseek(fd, 0, 7));
    lab("lseek 0 SEEK_DATA"); show(lseek(fd, 0, SEEK_DATA));
    lab("lseek 0 SEEK_HOLE"); show(lseek(fd, 0, SEEK_HOLE));
    lab("lseek 11 SEEK_DATA"); show(lseek(fd, 11, SEEK_DATA));
    lab("pread 32 at 0"); long n = pread(fd, b, 32, 0); show(n);
    printf("bytes 0..5: %.5s, byte 7: %d\n", b, b[7]);
    lab("pread at -1"); show(pread(fd, b, 32, -1));
    lab("pwrite ZZ at 2"); show(pwrite(fd, "ZZ", 2, 2));
    lab("pread 4 at 0"); n = pread(fd, b, 4, 0); show(n);
    printf("bytes: %.4s\n", b);
    lab("pread at 20"); show(pread(fd, b, 32, 20));
    lab("read at the end"); show(read(fd, b, 32));
    lab("open f O_CREAT|O_EXCL"); show(open("f", O_RDWR | O_CREAT | O_EXCL, 0644));
    lab("open nope"); show(open("nope", O_RDONLY));
    lab("open nodir/x O_CREAT"); show(open("nodir/x", O_RDONLY | O_CREAT, 0644));
    lab("open f/x"); show(open("f/x", O_RDONLY));
    lab("open f/"); show(open("f/", O_RDONLY));
    lab("mkdir sub 0755"); show(mkdir("sub", 0755));
    lab("mkdir sub again"); show(mkdir("sub", 0755));
    lab("open sub O_RDWR"); show(open("sub", O_RDWR));
    lab("open sub O_WRONLY"); show(open("sub", O_WRONLY));
    lab("open sub O_RDONLY|O_CREAT"); show(open("sub", O_RDONLY | O_CREAT, 0644));
    lab("open sub O_RDONLY"); int dfd = open("sub", O_RDONLY); show(dfd);
    lab("fstat sub"); stm(dfd);
    lab("read sub"); show(read(dfd, b, 4));
    lab("write sub"); show(write(dfd, b, 4));
    lab("open f O_DIRECTORY"); show(open("f", O_RDONLY | O_DIRECTORY));
    lab("openat sub g O_WRONLY|O_CREAT|O_TRUNC 0600"); int g = openat(dfd, "g", O_WRONLY | O_CREAT | O_TRUNC, 0600); show(g);
    lab("fstat sub/g"); st(g);
    lab("read sub/g (O_WRONLY)"); show(read(g, b, 1));
    lab("openat f g"); show(openat(fd, "g", O_RDONLY));
    lab("openat 99 g"); show(openat(99, "g", O_RDONLY));
    lab("openat 99 /dev"); int dev = openat(99, "/dev", O_RDONLY); show(dev);
    lab("open sub/g O_RDONLY"); int gr = open("sub/g", O_RDONLY); show(gr);
    lab("write sub/g (O_RDONLY)"); show(write(gr, "a", 1));
    lab("open sub/../sub/./g O_WRONLY|O_APPEND"); int a = open("sub/../sub/./g", O_WRONLY | O_APPEND); show(a);
    lab("lseek 0 SEEK_SET"); show(lseek(a, 0, SEEK_SET));
    lab("write xy"); show(write(a, "xy", 2));
    lab("write xy again"); show(write(a, "xy", 2));
    lab("pwrite z at 0 (appends)"); show(pwrite(a, "z", 1, 0));
    lab("lseek 0 SEEK_CUR"); show(lseek(a, 0, SEEK_CUR));
    lab("F_GETFL"); show(fcntl(a, F_GETFL));
    lab("read sub/g"); n = read(gr, b, 32); show(n);
    printf("bytes: %.5s\n", b);
    lab("unlink f"); show(unlink("f"));
    lab("fstat f after unlink"); st(fd);
    lab("unlink sub"); show(unlink("sub"));
    lab("unlink f again"); show(unlink("f"));
    lab("stat sub/g"); { struct stat s; errno = 0; st_show(stat("sub/g", &s), &s); }
    lab("stat nope"); { struct stat s; errno = 0; st_show(stat("nope", &s), &s); }
    char *big = malloc(PATH_MAX + 10);
    memset(big, 'a', PATH_MAX + 9); big[PATH_MAX + 9] = 0;
    lab("open a path of 4105 bytes"); show(open(big, O_RDONLY));
    big[300] = 0;
    lab("open a name of 300 bytes"); show(open(big, O_RDONLY));
    lab("open \"\""); show(open("", O_RDONLY));
    lab("open NULL"); show(open(NULL, O_RDONLY));
    /* `..` never leaves the root: the guest finds nothing there (its root is empty), and
     * natively no host has this name at its root. */
    lab("open ../../../../../../../../no-such-file"); show(open("../../../../../../../../no-such-file", O_RDONLY));
    lab("open /dev/null O_RDWR"); int nul = open("/dev/null", O_RDWR); show(nul);
    lab("fstat /dev/null"); stm(nul);
    lab("read /dev/null"); show(read(nul, b, 4));
    lab("write /dev/null"); show(write(nul, "abc", 3));
    lab("lseek /dev/null 5"); show(lseek(nul, 5, SEEK_SET));
    lab("open /dev/zero"); int z = open("/dev/zero", O_RDONLY); show(z);
    b[0] = 1; b[3] = 1;
    lab("read /dev/zero 4"); show(read(z, b, 4));
    printf("bytes 0 and 3: %d %d\n", b[0], b[3]);
    int ep = epoll_create1(0);
    lab("fstat epoll"); stm(ep);
    lab("lseek epoll"); show(lseek(ep, 0, SEEK_CUR));
    struct epoll_event e = {EPOLLIN, {0}};
    lab("epoll_ctl ADD sub/g"); show(epoll_ctl(ep, EPOLL_CTL_ADD, gr, &e));
    lab("epoll_ctl ADD sub"); show(epoll_ctl(ep, EPOLL_CTL_ADD, dfd, &e));
    lab("epoll_ctl ADD /dev/null"); show(epoll_ctl(ep, EPOLL_CTL_ADD, nul, &e));
    int p[2];
    pipe(p);
    lab("fstat pipe read end"); stm(p[0]);
    lab("fstat pipe write end"); stm(p[1]);
    lab("lseek pipe"); show(lseek(p[0], 0, SEEK_CUR));
    lab("pread pipe"); show(pread(p[0], b, 1, 0));
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    lab("fstat socket"); stm(sv[0]);
    lab("lseek socket"); show(lseek(sv[0], 0, SEEK_CUR));
    int ev = eventfd(0, 0);
    lab("fstat eventfd"); stm(ev);
    lab("lseek eventfd"); show(lseek(ev, 0, SEEK_CUR));
    int tf = timerfd_create(CLOCK_MONOTONIC, 0);
    lab("fstat timerfd"); stm(tf);
    lab("fstat 0"); stm(0);
    lab("fstat 99"); stm(99);
    return 0;
}
