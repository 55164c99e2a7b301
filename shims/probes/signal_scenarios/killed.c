/* Native twin of programs/signals/killed.mir: the exit status is the shell's 128 + 15. */
#include "sig.h"

static void *spin(void *a) { (void)a; for (;;) sleep_ms(1000); return NULL; }

int main(void) {
    init();
    pthread_t t;
    pthread_create(&t, NULL, spin, NULL);
    printf("kill(getpid(), SIGTERM) with the default action ends the process before it returns\n");
    show(kill(getpid(), SIGTERM));
    sleep_ms(100);
    printf("not reached\n");
    return 0;
}
