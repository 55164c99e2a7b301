#include <pthread.h>
#include <time.h>
#include <unistd.h>
static int fds[2];
static void *writer(void *arg) {
    (void)arg;
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
    read(fds[0], buf, 16);
    pthread_join(t, NULL);
    return 0;
}
