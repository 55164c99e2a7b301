/* Waiter threads of programs/epoll/waiters_*.mir: thread i waits on EPW with maxevents MAXE[i]
 * and timeout TMO[i] into result slot i. */
static int EPW, MAXE[8], TMO[8];
static pthread_t TIDS[8];
static void *waiter(void *arg) {
    long i = (long)arg;
    rec(i, EPW, MAXE[i], TMO[i]);
    return NULL;
}
static void start(int i, int max, int timeout) {
    MAXE[i] = max;
    TMO[i] = timeout;
    TIDS[i] = spawn(waiter, i);
    msleep(20);
}
static void fin(int i) { join(TIDS[i]); }
