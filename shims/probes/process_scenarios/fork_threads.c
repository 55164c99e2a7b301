/* Native version of programs/processes/fork_threads.mir: a fork from a process with two threads
 * copies only the calling thread. The parent's worker is blocked reading pipe p; the child writes
 * one byte to p and exits: the parent's worker gets it (were the worker copied into the child,
 * the copy could take the byte and the parent's worker would wait forever). */
#include "procs.h"
#include <pthread.h>

static int p[2], q[2];
static long x;

static void *worker(void *arg) {
    (void)arg;
    char b;
    read(p[0], &b, 1);
    x = 7; /* the worker's store, ordered before main's load by the pipe q */
    write(q[1], &b, 1);
    return NULL;
}

int main(void) {
    init();
    pipe(p);
    pipe(q);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pid_t c = fork();
    if (c == 0) {
        write(p[1], "x", 1);
        _exit(x == 0 ? 0 : 1);
    }
    int s = 0;
    long r = waitpid(c, &s, 0);
    lab("child exits"); st(r, c, s);
    char b = 0;
    read(q[0], &b, 1);
    printf("worker got: %c\n", b);
    lab("join"); show(pthread_join(t, NULL));
    lab("x"); show(x);
    return 0;
}
