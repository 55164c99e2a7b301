/* Native twin of programs/poll/select_table.mir: select caps nfds at the size of the fd table
 * (the kernel's fdt->max_fds), not at RLIMIT_NOFILE. A fresh table holds 64 fds; opening fd 70
 * grows it to 128, fd 300 to 512 (alloc_fdtable: 128 fds times a power of two); closing them
 * does not shrink it; a forked child's table fits the highest fd open in its parent. A set bit
 * at or above the size is not looked at (no EBADF) and is left as it was in the set. */
#include "poll.h"
#include <sys/wait.h>

static int p0;

static void try(int fd) {
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p0, &r);
    FD_SET(fd, &r);
    struct timeval tv = {0, 0};
    printf("select(1024) of fd %d and a closed fd %d: ", p0, fd);
    show(select(1024, &r, NULL, NULL, &tv));
    printf("  fd %d still set: %d\n", fd, FD_ISSET(fd, &r) ? 1 : 0);
}

static int run(void) {
    int p[2];
    pipe(p);
    write(p[1], "x", 1);
    p0 = p[0];
    try(63);
    try(64);
    dup2(p0, 70);
    printf("dup2 to 70\n");
    try(127);
    try(128);
    dup2(p0, 300);
    printf("dup2 to 300\n");
    try(511);
    try(512);
    close(300);
    close(70);
    printf("closed 300 and 70\n");
    try(511);
    if (fork() == 0) {
        printf("a forked child\n");
        try(63);
        try(64);
        _exit(0);
    }
    wait(NULL);
    return 0;
}

int main(void) {
    init();
    /* Closing fds does not shrink this process's table (the shell's may have grown it): a
     * child's fits its highest open fd, 2, as Spindle's initial process. */
    if (fork() == 0) _exit(run());
    wait(NULL);
    return 0;
}
