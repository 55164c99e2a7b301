/* Several threads blocked in epoll_wait on one epoll instance: who is woken, and what each gets.
 * The process is pinned to one CPU; threads block in start order (20 ms apart). Where several
 * threads are woken by one event, which of them runs first is the scheduler's choice, so those
 * results are printed sorted; where the kernel wakes one thread, the thread is named. */
#include "common.h"

static void lt_wakes_all(void) {
    int ep = epoll_create1(0), e = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, "efd");
    struct waiter ws[3];
    for (int i = 0; i < 3; i++) start_waiter(&ws[i], ep, 8, 300);
    efd_write(e, 1);
    for (int i = 0; i < 3; i++) join_waiter(&ws[i]);
    FACT("LT, 3 threads blocked, one write: they got (sorted): %s", sorted(ws, 3));
    FACT("LT, afterwards the entry is still queued: %s", w(ep));
    close(e); close(ep);
}

static void et_wakes_one_fifo(void) {
    int ep = epoll_create1(0), e = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, "efd");
    struct waiter ws[3];
    for (int i = 0; i < 3; i++) start_waiter(&ws[i], ep, 8, 300);
    efd_write(e, 1);
    msleep(50);
    efd_write(e, 1);
    for (int i = 0; i < 3; i++) join_waiter(&ws[i]);
    FACT("ET, 3 threads blocked, write, 50 ms, write: thread 1 got: %s", ws[0].got);
    FACT("ET, 3 threads blocked, write, 50 ms, write: thread 2 got: %s", ws[1].got);
    FACT("ET, 3 threads blocked, write, 50 ms, write: thread 3 got: %s", ws[2].got);
    close(e); close(ep);
}

static void oneshot_lt_wakes_one(void) {
    int ep = epoll_create1(0), e = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLONESHOT, "efd");
    struct waiter ws[3];
    for (int i = 0; i < 3; i++) start_waiter(&ws[i], ep, 8, 300);
    efd_write(e, 1);
    for (int i = 0; i < 3; i++) join_waiter(&ws[i]);
    FACT("LT|ONESHOT, 3 threads blocked, one write: thread 1 got: %s", ws[0].got);
    FACT("LT|ONESHOT, 3 threads blocked, one write: thread 2 got: %s", ws[1].got);
    FACT("LT|ONESHOT, 3 threads blocked, one write: thread 3 got: %s", ws[2].got);
    close(e); close(ep);
}

static void et_three_interests_maxevents_one(void) {
    int ep = epoll_create1(0), e = efd(0, EFD_NONBLOCK), d1 = dup(e), d2 = dup(e);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, "e");
    ctl(ep, EPOLL_CTL_ADD, d1, EPOLLIN | EPOLLET, "d1");
    ctl(ep, EPOLL_CTL_ADD, d2, EPOLLIN | EPOLLET, "d2");
    struct waiter ws[4];
    for (int i = 0; i < 4; i++) start_waiter(&ws[i], ep, 1, 300);
    efd_write(e, 1);
    for (int i = 0; i < 4; i++) join_waiter(&ws[i]);
    FACT("ET, 3 interests of one eventfd, 4 threads with maxevents 1, one write: they got (sorted): %s", sorted(ws, 4));
    close(e); close(d1); close(d2); close(ep);
}

static void et_two_interests_maxevents_eight(void) {
    int ep = epoll_create1(0), e = efd(0, EFD_NONBLOCK), d = dup(e);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, "e");
    ctl(ep, EPOLL_CTL_ADD, d, EPOLLIN | EPOLLET, "d");
    struct waiter ws[3];
    for (int i = 0; i < 3; i++) start_waiter(&ws[i], ep, 8, 300);
    efd_write(e, 1);
    for (int i = 0; i < 3; i++) join_waiter(&ws[i]);
    /* Two interest callbacks wake threads 3 and 2 (newest first); whichever runs first takes
     * both events: which one is the scheduler's choice. Thread 1 is never woken. */
    FACT("ET, 2 interests of one eventfd, 3 threads with maxevents 8, one write: thread 1 got: %s", ws[0].got);
    FACT("ET, 2 interests of one eventfd, 3 threads with maxevents 8, one write: threads 2, 3 got (sorted): %s", sorted(ws + 1, 2));
    close(e); close(d); close(ep);
}

static void stale_wakeup_requeues_at_tail(void) {
    /* write 0 to an eventfd at 0 registered for IN: a wakeup (key IN) queues the entry and wakes
     * thread 1, which finds it not ready, drops it and blocks again, now behind thread 2. */
    int ep = epoll_create1(0), e = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, "efd");
    struct waiter ws[2];
    for (int i = 0; i < 2; i++) start_waiter(&ws[i], ep, 8, 300);
    efd_write(e, 0);
    msleep(50);
    efd_write(e, 1);
    for (int i = 0; i < 2; i++) join_waiter(&ws[i]);
    FACT("ET, 2 threads blocked, write 0, 50 ms, write 1: thread 1 got: %s", ws[0].got);
    FACT("ET, 2 threads blocked, write 0, 50 ms, write 1: thread 2 got: %s", ws[1].got);
    close(e); close(ep);
}

static void add_wakes_one_et(void) {
    int ep = epoll_create1(0), e = efd(1, EFD_NONBLOCK);
    struct waiter ws[2];
    for (int i = 0; i < 2; i++) start_waiter(&ws[i], ep, 8, 300);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, "efd");
    for (int i = 0; i < 2; i++) join_waiter(&ws[i]);
    FACT("ET, 2 threads blocked, ADD of a ready fd: thread 1 got: %s", ws[0].got);
    FACT("ET, 2 threads blocked, ADD of a ready fd: thread 2 got: %s", ws[1].got);
    close(e); close(ep);
}

static void timeout_keeps_queue(void) {
    int ep = epoll_create1(0), e = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, "efd");
    struct waiter ws[2];
    start_waiter(&ws[0], ep, 8, 30);
    start_waiter(&ws[1], ep, 8, 300);
    msleep(50);
    efd_write(e, 1);
    for (int i = 0; i < 2; i++) join_waiter(&ws[i]);
    FACT("ET, thread 1 (timeout 30 ms) and thread 2 (300 ms), write at 90 ms: thread 1 got: %s", ws[0].got);
    FACT("ET, thread 1 (timeout 30 ms) and thread 2 (300 ms), write at 90 ms: thread 2 got: %s", ws[1].got);
    close(e); close(ep);
}

static void close_watched_fd_wakes_nobody(void) {
    int ep = epoll_create1(0), e = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLOUT, "efd");
    w(ep);
    close(ep); ep = epoll_create1(0);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, "efd");
    struct waiter ws[1];
    start_waiter(&ws[0], ep, 8, 100);
    long t0 = now_ms();
    close(e);
    join_waiter(&ws[0]);
    FACT("LT, thread blocked, the watched eventfd closed: thread got: %s after >= 60 ms: %s", ws[0].got, now_ms() - t0 >= 60 ? "yes" : "no");
    close(ep);
}

int main(void) {
    one_cpu();
    lt_wakes_all();
    et_wakes_one_fifo();
    oneshot_lt_wakes_one();
    et_three_interests_maxevents_one();
    et_two_interests_maxevents_eight();
    stale_wakeup_requeues_at_tail();
    add_wakes_one_et();
    timeout_keeps_queue();
    close_watched_fd_wakes_nobody();
    return 0;
}
