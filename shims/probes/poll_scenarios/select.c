#include "poll.h"
static uint64_t sets[3];
static int sel(void) {
    struct timeval tv = {0, 0};
    sets[0] = sets[1] = sets[2] = 0x3f9;
    int r = select(10, (fd_set *)&sets[0], (fd_set *)&sets[1], (fd_set *)&sets[2], &tv);
    if (r < 0) { show(r); return r; }
    printf("%d r=0x%lx w=0x%lx x=0x%lx\n", r, sets[0], sets[1], sets[2]);
    return r;
}
int main(void) {
    init();
    int p[2], sv[2];
    uint64_t v = 1;
    pipe(p);
    eventfd(0, 0);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    printf("pipe 3 4, eventfd 5, socket 6 7, pipe 8 9\n");
    printf("fresh: "); sel();
    write(4, "x", 1);
    write(5, &v, 8);
    write(7, "x", 1);
    printf("after a write into 3, 5, 6: "); sel();
    close(4); close(7); close(8);
    printf("4, 7 and 8 closed (in the sets): "); sel();
    dup(0); dup(0); dup(0);
    printf("4, 7, 8 reopened as dups of fd 0: "); sel();
    return 0;
}
