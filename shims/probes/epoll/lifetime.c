/* Interest lifetime: keyed by (open file description, fd number). dup, close, fd number reuse,
 * dup2 back onto the closed number, destruction of the description. */
#include "common.h"

int main(void) {
    int ep = epoll_create1(0), e = efd(1, EFD_NONBLOCK);
    int d = dup(e);
    FACT("ADD e: %s", ctlr(ep, EPOLL_CTL_ADD, e, EPOLLIN, "e"));
    FACT("MOD by the dup's number (not registered under it): %s", ctlr(ep, EPOLL_CTL_MOD, d, EPOLLIN, "d"));
    FACT("DEL by the dup's number: %s", res(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL)));
    FACT("ADD by the dup's number: %s", ctlr(ep, EPOLL_CTL_ADD, d, EPOLLIN, "d"));
    FACT("both interests report: %s", w(ep));
    int enum_ = e;
    close(e);
    FACT("e closed (dup still open): %s", w(ep));
    FACT("DEL by the closed number: %s", res(epoll_ctl(ep, EPOLL_CTL_DEL, enum_, NULL)));
    FACT("MOD by the closed number: %s", ctlr(ep, EPOLL_CTL_MOD, enum_, EPOLLIN, "e2"));
    /* The number is reused by a new description. */
    int f = efd(1, EFD_NONBLOCK);
    FACT("a new eventfd reuses the closed number: %s", f == enum_ ? "yes" : "no");
    FACT("ADD of the new description under that number: %s", ctlr(ep, EPOLL_CTL_ADD, f, EPOLLIN, "f"));
    FACT("all three report: %s", w(ep));
    FACT("DEL by that number removes the new one: %s", res(epoll_ctl(ep, EPOLL_CTL_DEL, f, NULL)));
    FACT("after DEL of the new one: %s", w(ep));
    close(f);
    /* dup2 the old description back onto its old number: the old interest is reachable again. */
    FACT("dup2(d, old number) returns the old number: %s", dup2(d, enum_) == enum_ ? "yes" : "no");
    FACT("ADD under the old number again: %s", ctlr(ep, EPOLL_CTL_ADD, enum_, EPOLLIN, "e3"));
    FACT("MOD under the old number: %s", ctlr(ep, EPOLL_CTL_MOD, enum_, EPOLLIN, "e4"));
    FACT("after MOD: %s", w(ep));
    FACT("DEL under the old number: %s", res(epoll_ctl(ep, EPOLL_CTL_DEL, enum_, NULL)));
    FACT("after DEL under the old number: %s", w(ep));
    close(enum_);
    close(d);
    FACT("every fd of the description closed: %s", w(ep));
    close(ep);

    /* A queued (ready-list) entry disappears with its description; the others keep order. */
    ep = epoll_create1(0);
    int a = efd(1, EFD_NONBLOCK), b = efd(1, EFD_NONBLOCK), c = efd(1, EFD_NONBLOCK);
    ctl(ep, EPOLL_CTL_ADD, a, EPOLLIN | EPOLLET, "a");
    ctl(ep, EPOLL_CTL_ADD, b, EPOLLIN | EPOLLET, "b");
    ctl(ep, EPOLL_CTL_ADD, c, EPOLLIN | EPOLLET, "c");
    close(b);
    FACT("a, b, c queued, b closed: %s", w(ep));
    close(a); close(c); close(ep);

    /* An interest held by a blocked... (not applicable natively). An fd sent elsewhere keeps
     * the description alive: model with a second dup held by the process. */
    ep = epoll_create1(0);
    int p[2]; pipe(p);
    int keep = dup(p[0]);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, "r");
    close(p[0]);
    wr(p[1], "x", 1);
    FACT("pipe read end registered, its number closed, a dup keeps it: write: %s", w(ep));
    close(keep);
    FACT("last fd of the read end closed: %s", w(ep));
    close(p[1]); close(ep);
    return 0;
}
