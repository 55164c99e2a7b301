/* Shared by the native twins of programs/processes/: the guest helpers' output ("label: result"
 * with "-1 ERRNAME"), and stdout line-buffered so that a child never inherits unflushed lines.
 * Children print nothing: what they see comes back through pipes and exit statuses, so that the
 * output does not depend on how the kernel interleaves processes (or on their pids). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void init(void) { setvbuf(stdout, NULL, _IOLBF, 0); }
static void show(long r) {
    if (r < 0) printf("-1 %s\n", strerrorname_np(errno));
    else printf("%ld\n", r);
}
static void lab(const char *l) { printf("%s: ", l); }
/* st(r, s): a waitpid result as "child status=0xS exited=E code=C" ("child": the pid asked for). */
static void st(long r, long pid, int s) {
    if (r < 0) show(r);
    else printf("%s status=0x%x exited=%d code=%d\n", r == pid ? "child" : "other", s, WIFEXITED(s), WEXITSTATUS(s));
}

/* waited(l, c): waitpid(c) as "l: child status=0xS exited=E code=C signaled=G termsig=T". */
__attribute__((unused)) static void waited(const char *l, pid_t c) {
    int s = 0;
    long r = waitpid(c, &s, 0);
    lab(l);
    if (r < 0) show(r);
    else printf("%s status=0x%x exited=%d code=%d signaled=%d termsig=%d\n", r == c ? "child" : "other", s, WIFEXITED(s),
                WEXITSTATUS(s), WIFSIGNALED(s), WIFSIGNALED(s) ? WTERMSIG(s) : 0);
}

/* A child's read of a pipe that nobody writes: it blocks until a signal ends the child. */
__attribute__((unused)) static void read_forever(int fd) {
    char b;
    read(fd, &b, 1);
    _exit(9);
}
