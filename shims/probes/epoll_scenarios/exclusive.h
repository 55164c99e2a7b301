/* The exclusive-scenario helpers of programs/epoll/exclusive_*.mir. */
static int EPS[4];
static pthread_t TIDS[4];

static void inst(int i, int fd, uint32_t ev) {
    EPS[i] = epoll_create1(0);
    printf("E%d ADD: ", i + 1);
    ctl(EPS[i], EPOLL_CTL_ADD, fd, ev, i + 1);
}
static void *waiter(void *arg) {
    long i = (long)arg;
    rec(i, EPS[i], 8, 300);
    return NULL;
}
static void start(int i) {
    TIDS[i] = spawn(waiter, i);
    msleep(20);
}
static void report(int n, int threads) {
    for (int i = 0; i < n; i++) {
        if ((threads >> i) & 1) {
            join(TIDS[i]);
            printf("thread on E%d got: ", i + 1);
            got(i);
        }
        printf("afterwards E%d has queued: ", i + 1);
        w0(EPS[i]);
    }
}
static void closeall(int n) {
    for (int i = 0; i < n; i++) close(EPS[i]);
}
