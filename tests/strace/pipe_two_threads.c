#include <pthread.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>
static int fds[2];
/* Set by main just before its read. strace orders the two threads' calls as they start, and
   Spindle runs main until it blocks in read before the writer starts: on a loaded machine the
   writer's nanosleep could start first (fd_annotations_match_strace_y failed so once, with
   the two threads' lines swapped). The writer waits for the flag, then 20 ms more in `select`,
   which the comparison does not trace. */
static volatile int reading;
static void *writer(void *arg) {
    (void)arg;
    while (!__atomic_load_n(&reading, __ATOMIC_ACQUIRE)) {
    }
    struct timeval pause = {0, 20000};
    select(0, NULL, NULL, NULL, &pause);
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
    write(fds[1], "hello\n", 6);
    return NULL;
}
int main(void) {
    pthread_t t;
    char buf[16];
    pipe(fds);
    pthread_create(&t, NULL, writer, NULL);
    __atomic_store_n(&reading, 1, __ATOMIC_RELEASE);
    read(fds[0], buf, 16);
    pthread_join(t, NULL);
    return 0;
}
