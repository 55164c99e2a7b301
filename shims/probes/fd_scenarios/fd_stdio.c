// Native version of programs/fds/fd_stdio.mir. Spindle's fds 0, 1 and 2 behave like /dev/null
// opened O_RDONLY, O_WRONLY, O_WRONLY (fds/probes/stdio.c), except that the bytes written to 1
// and 2 are shown. So this program points 0, 1 and 2 at /dev/null, reports through a saved copy
// of the real stdout, and prints itself the text that Spindle shows for writes to fd 1.
#include "scen.h"

int main(void) {
    init();
    int out = fcntl(1, F_DUPFD_CLOEXEC, 1000);
    stdout = fdopen(out, "w");
    setvbuf(stdout, NULL, _IOLBF, 0);
    int rdn = open("/dev/null", O_RDONLY), wrn = open("/dev/null", O_WRONLY);
    dup2(rdn, 0);
    dup2(wrn, 1);
    dup2(wrn, 2);
    close(rdn);
    close(wrn);
    char buf[8];
    SHOW("F_GETFL 0", fcntl(0, F_GETFL));
    SHOW("F_GETFL 1", fcntl(1, F_GETFL));
    SHOW("F_GETFL 2", fcntl(2, F_GETFL));
    SHOW("F_GETFD 1", fcntl(1, F_GETFD));
    SHOW("read 0", read(0, buf, 8));
    SHOW("read 0 len=0", read(0, buf, 0));
    SHOW("write 0", write(0, "x", 1));
    SHOW("read 1", read(1, buf, 1));
    SHOW("read 2", read(2, buf, 1));
    SHOW("read 1 NULL (the direction first)", read(1, NULL, 1));
    long r = write(1, "to fd 1\n", 8);
    printf("to fd 1\n");
    SHOW("write 1", r);
    SHOW("write 2", write(2, "to fd 2\n", 8));
    SHOW("write 1 len=0", write(1, "", 0));
    SHOW("read 0 NULL len=8", read(0, NULL, 8));
    SHOW("write 1 NULL len=5", write(1, NULL, 5));
    int d;
    SHOW("dup 1", d = dup(1));
    r = write(d, "to a dup of fd 1\n", 17);
    printf("to a dup of fd 1\n");
    SHOW("write to the dup", r);
    SHOW("F_SETFL O_NONBLOCK on the dup", fcntl(d, F_SETFL, O_NONBLOCK));
    SHOW("F_GETFL 1", fcntl(1, F_GETFL));
    SHOW("send 1 (not a socket)", send(1, "x", 1, 0));
    SHOW("close 2", close(2));
    SHOW("write 2 (closed)", write(2, "lost\n", 5));
    SHOW("eventfd (takes 2)", eventfd(0, 0));
    return 0;
}
