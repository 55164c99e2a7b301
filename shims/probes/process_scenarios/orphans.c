/* Native version of programs/processes/orphans.mir: a process whose parent exited is an orphan
 * (reparented: its getppid is no longer its parent's pid; Spindle answers 1, init); the initial
 * process may exit while a child still runs (here the child then reads end of file and exits;
 * in Spindle the run ends with the initial process). */
#include "procs.h"

int main(void) {
    init();
    int up[2], go[2];
    pipe(up);
    pipe(go);
    pid_t middle = fork();
    if (middle == 0) {
        pid_t mine = getpid();
        pid_t g = fork();
        if (g == 0) {
            char x;
            read(go[0], &x, 1); /* after the middle process was reaped */
            char b = (char)(getppid() != mine);
            write(up[1], &b, 1);
            _exit(0);
        }
        _exit(g > 0 ? 6 : 1);
    }
    int s = 0;
    long r = waitpid(middle, &s, 0);
    lab("middle process exits"); st(r, middle, s);
    lab("its child is not ours"); show(waitpid(-1, &s, WNOHANG));
    write(go[1], "g", 1);
    char b;
    read(up[0], &b, 1);
    lab("orphan's getppid is not its old parent"); show(b);
    /* A child left running: it waits for end of file on `go`, which only we still write. */
    pid_t c = fork();
    if (c == 0) {
        close(go[1]);
        char x;
        read(go[0], &x, 1);
        _exit(0);
    }
    close(go[0]);
    printf("exiting with a child running\n");
    return 3;
}
