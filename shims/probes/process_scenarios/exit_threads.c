/* Native version of programs/processes/exit_threads.mir: a process's exit ends all its threads,
 * even one blocked in a call. The child's second thread is blocked reading pipe p (it holds the
 * read end's description); the child's main calls _exit. The parent, which closed its own read
 * end, then writes to p: no reader is left anywhere, EPIPE (SIGPIPE ignored before the fork, as
 * the guest program does). */
#include "procs.h"
#include <pthread.h>
#include <signal.h>

static int p[2];

static void *reader(void *arg) {
    (void)arg;
    char b;
    read(p[0], &b, 1);
    return NULL;
}

int main(void) {
    init();
    signal(SIGPIPE, SIG_IGN);
    pipe(p);
    int ready[2];
    pipe(ready);
    pid_t c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, reader, NULL);
        usleep(10000); /* let the reader block (Spindle's schedule needs no sleep) */
        _exit(2);
    }
    lab("parent closes its read end"); show(close(p[0]));
    int s = 0;
    long r = waitpid(c, &s, 0);
    lab("child exits with a thread blocked"); st(r, c, s);
    lab("write with no reader left"); show(write(p[1], "x", 1));
    return 0;
}
