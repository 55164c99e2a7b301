/* EPOLLONESHOT: disarmed after one delivery until EPOLL_CTL_MOD. */
#include "common.h"

static const char *M;
static uint32_t ET;
#define F(fact, ...) do { printf("%s %s: ", M, fact); printf(__VA_ARGS__); printf("\n"); fflush(stdout); } while (0)
#define OS EPOLLONESHOT

static void basic(void) {
    int ep = epoll_create1(0), e = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | OS | ET, "e");
    efd_write(e, 1);
    F("ONESHOT, written: wait", "%s", w(ep));
    F("wait again (still readable)", "%s", w(ep));
    efd_write(e, 1);
    F("written again while disarmed: wait", "%s", w(ep));
    F("MOD to IN|ONESHOT (ready): wait", "%s", (ctl(ep, EPOLL_CTL_MOD, e, EPOLLIN | OS | ET, "e2"), w(ep)));
    efd_read(e);
    ctl(ep, EPOLL_CTL_MOD, e, EPOLLIN | OS | ET, "e3");
    F("MOD while not ready: wait", "%s", w(ep));
    efd_write(e, 1);
    F("then written: wait", "%s", w(ep));
    F("DEL of a disarmed interest", "%s", res(epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL)));
    F("ADD again (ready)", "%s", ctlr(ep, EPOLL_CTL_ADD, e, EPOLLIN | OS | ET, "e4"));
    F("wait", "%s", w(ep));
    F("ADD while registered and disarmed", "%s", ctlr(ep, EPOLL_CTL_ADD, e, EPOLLIN | OS | ET, "e5"));
    ctl(ep, EPOLL_CTL_MOD, e, EPOLLIN | ET, "plain");
    F("MOD of the disarmed interest without ONESHOT: wait", "%s", w(ep));
    F("and again", "%s", w(ep));
    close(e); close(ep);
}

static void stale_not_disarmed(void) {
    int ep = epoll_create1(0), e = efd(0, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | OS | ET, "e");
    efd_write(e, 1); efd_read(e);
    F("ONESHOT queued then not ready: wait", "%s", w(ep));
    efd_write(e, 1);
    F("then written (not disarmed by the stale drop): wait", "%s", w(ep));
    close(e); close(ep);
}

static void hup_while_disarmed(void) {
    int ep = epoll_create1(0), sv[2]; sock(sv, 0);
    ctl(ep, EPOLL_CTL_ADD, sv[0], EPOLLIN | EPOLLOUT | OS | ET, "s0");
    F("socket ONESHOT: wait", "%s", w(ep));
    close(sv[1]);
    F("peer closed while disarmed: wait", "%s", w(ep));
    ctl(ep, EPOLL_CTL_MOD, sv[0], EPOLLIN | OS | ET, "s0");
    F("MOD to IN|ONESHOT: wait", "%s", w(ep));
    close(sv[0]); close(ep);
}

static void maxevents_one(void) {
    int ep = epoll_create1(0), a = efd(1, EFD_NONBLOCK), b = efd(1, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, a, EPOLLIN | OS | ET, "a");
    ctl(ep, EPOLL_CTL_ADD, b, EPOLLIN | OS | ET, "b");
    F("two ONESHOT ready, wait maxevents 1", "%s", waitv(ep, 1, 0));
    F("wait maxevents 1 again", "%s", waitv(ep, 1, 0));
    F("wait again", "%s", w(ep));
    close(a); close(b); close(ep);
}

static void nested(void) {
    int outer = epoll_create1(0), inner = epoll_create1(0), e = efd(1, EFD_NONBLOCK);
    ctl(inner, EPOLL_CTL_ADD, e, EPOLLIN, "e");
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN | OS | ET, "inner");
    F("outer ONESHOT on a ready inner: wait", "%s", w(outer));
    efd_write(e, 1);
    F("inner's fd written again: outer", "%s", w(outer));
    close(e); close(inner); close(outer);
}

int main(void) {
    for (int v = 0; v < 2; v++) {
        ET = v == 0 ? EPOLLET : 0;
        M = v == 0 ? "ET" : "LT";
        basic(); stale_not_disarmed(); hup_while_disarmed(); maxevents_one(); nested();
    }
    return 0;
}
