// Native version of programs/fds/pipe2_flags.mir.
#include "scen.h"

static void fds(int *p) { printf("fds: %d %d\n", p[0], p[1]); }

int main(void) {
    init();
    int p[2], q[2];
    char c;
    SHOW("pipe2(p, O_NONBLOCK|O_CLOEXEC)", pipe2(p, O_NONBLOCK | O_CLOEXEC));
    fds(p);
    SHOW("F_GETFL read end", fcntl(p[0], F_GETFL));
    SHOW("F_GETFL write end", fcntl(p[1], F_GETFL));
    SHOW("F_GETFD read end", fcntl(p[0], F_GETFD));
    SHOW("F_GETFD write end", fcntl(p[1], F_GETFD));
    SHOW("read empty", read(p[0], &c, 1));
    SHOW("pipe(q)", pipe(q));
    fds(q);
    SHOW("F_GETFL read end", fcntl(q[0], F_GETFL));
    SHOW("F_GETFL write end", fcntl(q[1], F_GETFL));
    SHOW("F_GETFD read end", fcntl(q[0], F_GETFD));
    SHOW("F_GETFD write end", fcntl(q[1], F_GETFD));
    SHOW("pipe2(q, 0)", pipe2(q, 0));
    fds(q);
    SHOW("pipe2(q, O_NONBLOCK)", pipe2(q, O_NONBLOCK));
    fds(q);
    SHOW("F_GETFD read end", fcntl(q[0], F_GETFD));
    SHOW("pipe2(q, O_CLOEXEC)", pipe2(q, O_CLOEXEC));
    fds(q);
    SHOW("F_GETFL read end", fcntl(q[0], F_GETFL));
    SHOW("F_GETFD read end", fcntl(q[0], F_GETFD));
    SHOW("pipe2(q, 0x1)", pipe2(q, 0x1));
    SHOW("pipe2(q, O_APPEND)", pipe2(q, O_APPEND));
    SHOW("pipe2(q, 0x100000000|O_NONBLOCK) (flags are an int)", syscall(SYS_pipe2, q, 0x100000000UL | O_NONBLOCK));
    fds(q);
    SHOW("F_GETFL read end", fcntl(q[0], F_GETFL));
    SHOW("pipe2(NULL, 0)", pipe2(NULL, 0));
    SHOW("pipe(NULL)", pipe(NULL));
    int *four = (int *)guarded(4);
    *four = -1;
    SHOW("pipe into a 4-byte buffer", pipe(four));
    printf("the 4-byte buffer holds: %d\n", *four);
    SHOW("pipe into a string literal", pipe((int *)"12345678"));
    int *freed = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(freed, 4096);
    SHOW("pipe into a freed buffer", pipe(freed));
    SHOW("next fd (the failed calls left no fd open)", eventfd(0, 0));
    return 0;
}
