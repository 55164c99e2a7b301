/* EPOLLEXCLUSIVE gives one event to "one or more" instances: the kernel behaviour behind
 * programs/bugs/epoll_exclusive.mir. Two instances E1, E2 (added in that order) watch one
 * eventfd (EFD_SEMAPHORE | EFD_NONBLOCK: a read takes one unit) with EPOLLIN | EPOLLEXCLUSIVE,
 * level-triggered; one write of 1 (one job). Whether one or both instances report it depends on
 * which of them has a thread blocked in epoll_wait when the write comes. Process pinned to one
 * CPU; blocked threads use timeout 300 ms and are started 20 ms apart. */
#include "common.h"

#define X EPOLLEXCLUSIVE

struct pair { int e, ep1, ep2; };

static struct pair setup(void) {
    struct pair p;
    p.e = efd(0, EFD_SEMAPHORE | EFD_NONBLOCK);
    p.ep1 = epoll_create1(0);
    p.ep2 = epoll_create1(0);
    ctl(p.ep1, EPOLL_CTL_ADD, p.e, X | EPOLLIN, "E1");
    ctl(p.ep2, EPOLL_CTL_ADD, p.e, X | EPOLLIN, "E2");
    return p;
}

static void teardown(struct pair p) { close(p.e); close(p.ep1); close(p.ep2); }

/* Two reads of 8 bytes, one per worker that got the event. */
static void two_reads(const char *name, int e) {
    uint64_t v;
    FACT("%s: first read: %s", name, res(read(e, &v, 8)));
    FACT("%s: second read: %s", name, res(read(e, &v, 8)));
}

int main(void) {
    one_cpu();
    {
        /* Both workers blocked: the write wakes the thread on E1 and stops there; E2 is not
         * even queued, its thread times out. Exactly one. */
        const char *n = "both blocked, write 1";
        struct pair p = setup();
        struct waiter ws[2];
        start_waiter(&ws[0], p.ep1, 1, 300);
        start_waiter(&ws[1], p.ep2, 1, 300);
        efd_write(p.e, 1);
        join_waiter(&ws[0]);
        join_waiter(&ws[1]);
        FACT("%s: thread on E1 got: %s", n, ws[0].got);
        FACT("%s: thread on E2 got: %s", n, ws[1].got);
        two_reads(n, p.e);
        teardown(p);
    }
    {
        /* Only the E2 worker blocked (the E1 worker is late): E1 has no thread to wake, so it is
         * queued and the wakeup goes on to E2, whose thread it wakes. The late worker's
         * epoll_wait on E1 then reports the same event: two workers, one job. (The E2 thread has
         * returned from epoll_wait before E1 is polled: it was joined.) */
        const char *n = "only the thread on E2 blocked, write 1";
        struct pair p = setup();
        struct waiter ws[1];
        start_waiter(&ws[0], p.ep2, 1, 300);
        efd_write(p.e, 1);
        join_waiter(&ws[0]);
        FACT("%s: thread on E2 got: %s", n, ws[0].got);
        FACT("%s: then epoll_wait on E1 got: %s", n, waitv(p.ep1, 1, 0));
        two_reads(n, p.e);
        teardown(p);
    }
    {
        /* Nobody blocked: both instances are queued, both report the event. */
        const char *n = "no thread blocked, write 1";
        struct pair p = setup();
        efd_write(p.e, 1);
        FACT("%s: epoll_wait on E1 got: %s", n, waitv(p.ep1, 1, 0));
        FACT("%s: epoll_wait on E2 got: %s", n, waitv(p.ep2, 1, 0));
        two_reads(n, p.e);
        teardown(p);
    }
    return 0;
}
