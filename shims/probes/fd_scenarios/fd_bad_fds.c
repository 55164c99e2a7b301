// Native version of programs/fds/fd_bad_fds.mir.
#include "scen.h"

int main(void) {
    init();
    char buf[8] = "abcdefgh";
    int e = eventfd(1, EFD_NONBLOCK);
    SHOW("eventfd", e);
    SHOW("close", close(e));
    SHOW("close again", close(e));
    long bad[] = {-1, 100, 20000, 0x7fffffff, 3};
    const char *name[] = {"-1", "100", "20000", "INT_MAX", "3 (closed)"};
    for (int i = 0; i < 5; i++) {
        char l[80];
        int fd = (int)bad[i];
        printf("fd %s\n", name[i]);
        sprintf(l, "  read"); SHOW(l, read(fd, buf, 8));
        sprintf(l, "  read len=0"); SHOW(l, read(fd, buf, 0));
        sprintf(l, "  read NULL"); SHOW(l, read(fd, NULL, 8));
        sprintf(l, "  write"); SHOW(l, write(fd, buf, 8));
        sprintf(l, "  write NULL"); SHOW(l, write(fd, NULL, 8));
        sprintf(l, "  close"); SHOW(l, close(fd));
        sprintf(l, "  dup"); SHOW(l, dup(fd));
        sprintf(l, "  dup2 to 10"); SHOW(l, dup2(fd, 10));
        sprintf(l, "  dup3 to 10"); SHOW(l, dup3(fd, 10, 0));
        sprintf(l, "  dup3 bad flags"); SHOW(l, dup3(fd, 10, 1));
        sprintf(l, "  F_GETFL"); SHOW(l, fcntl(fd, F_GETFL));
        sprintf(l, "  F_DUPFD -1"); SHOW(l, fcntl(fd, F_DUPFD, -1));
        sprintf(l, "  send"); SHOW(l, send(fd, buf, 1, 0));
        sprintf(l, "  recv"); SHOW(l, recv(fd, buf, 1, 0));
        sprintf(l, "  shutdown bad how"); SHOW(l, shutdown(fd, 7));
    }
    int f = eventfd(5, EFD_NONBLOCK);
    SHOW("eventfd (value 5)", f);
    SHOW("read fd 0x100000003 (an int: 3)", syscall(SYS_read, 0x100000003UL, buf, 8));
    SHOW("read fd 0xffffffff (an int: -1)", syscall(SYS_read, 0xffffffffUL, buf, 8));
    return 0;
}
