/* Native version of programs/processes/fork_wait.mir. */
#include "procs.h"

static long x = 1;

int main(void) {
    init();
    int s = -1;
    long r;
    lab("wait4 no children"); show(wait4(-1, &s, 0, NULL));
    lab("waitpid WNOHANG no children"); show(waitpid(-1, &s, WNOHANG));
    lab("waitpid self"); show(waitpid(getpid(), &s, 0));
    lab("waitpid 0 no children"); show(waitpid(0, &s, 0));
    pid_t c = fork();
    if (c == 0) _exit(3);
    lab("fork in parent > 0"); show(c > 0);
    s = 0; lab("waitpid _exit(3)"); r = waitpid(c, &s, 0); st(r, c, s);
    lab("waitpid reaped child"); show(waitpid(c, &s, 0));
    c = fork();
    if (c == 0) _exit(4);
    lab("waitpid bad status pointer"); show(waitpid(c, (int *)8, 0));
    lab("waitpid after EFAULT"); show(waitpid(c, &s, WNOHANG));
    int p[2];
    pipe(p);
    c = fork();
    if (c == 0) { char b; read(p[0], &b, 1); _exit(7); }
    lab("WNOHANG running child"); show(waitpid(c, &s, WNOHANG));
    lab("waitpid bad options"); show(waitpid(-1, &s, 0x1000000));
    write(p[1], "g", 1);
    s = 0; lab("waitpid -1 after release"); r = waitpid(-1, &s, 0); st(r, c, s);
    c = fork();
    if (c == 0) exit(300);
    s = 0; lab("exit(300)"); r = waitpid(c, &s, 0); st(r, c, s);
    c = fork();
    if (c == 0) return 5;
    s = 0; lab("main returns 5"); r = wait4(c, &s, 0, NULL); st(r, c, s);
    /* Memory is copied, not shared: the child's store stays in the child. */
    pid_t me = getpid();
    c = fork();
    if (c == 0) {
        x = 2;
        char b[2] = { (char)x, (char)(getppid() == me) };
        write(p[1], b, 2);
        _exit(getpid() == c ? 9 : 0); /* c is 0 here: exits 0 */
    }
    char b[2];
    read(p[0], b, 2);
    lab("child saw x"); show(b[0]);
    lab("child getppid is parent getpid"); show(b[1]);
    lab("parent x"); show(x);
    s = 0; lab("waitpid pid 0"); r = waitpid(0, &s, 0); st(r, c, s);
    lab("getppid differs from getpid"); show(getppid() != getpid());
    return 0;
}
