// Native version of programs/fds/socketpair_peek.mir.
#include "scen.h"

static long rv_(const char *label, int fd, char *buf, long n, int flags) {
    errno = 0;
    long r = recv(fd, buf, n, flags);
    shown_(label, r, errno, buf);
    return r;
}

int main(void) {
    init();
    int sv[2];
    char buf[16];
    SHOW("socketpair", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
    SHOW("write abc", write(sv[0], "abc", 3));
    SHOW("write de", write(sv[0], "de", 2));
    rv_("peek 10", sv[1], buf, 10, MSG_PEEK);
    rv_("peek 10 again (nothing consumed)", sv[1], buf, 10, MSG_PEEK);
    rv_("recv 2", sv[1], buf, 2, 0);
    rv_("peek 2", sv[1], buf, 2, MSG_PEEK);
    rv_("recv 2 (across writes)", sv[1], buf, 2, 0);
    rv_("peek 10 MSG_DONTWAIT", sv[1], buf, 10, MSG_PEEK | MSG_DONTWAIT);
    rv_("recv 10", sv[1], buf, 10, 0);
    rv_("peek (empty)", sv[1], buf, 10, MSG_PEEK);
    SHOW("shutdown sv0 SHUT_WR", shutdown(sv[0], SHUT_WR));
    rv_("peek at EOF", sv[1], buf, 10, MSG_PEEK);
    SHOW("socketpair", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
    SHOW("write ab on sv1", write(sv[1], "ab", 2));
    SHOW("write xyz on sv0", write(sv[0], "xyz", 3));
    SHOW("close sv1 (xyz unread)", close(sv[1]));
    rv_("peek on sv0 (its own data first)", sv[0], buf, 10, MSG_PEEK);
    rv_("recv on sv0", sv[0], buf, 10, 0);
    rv_("peek on sv0 (the reset: xyz was lost)", sv[0], buf, 10, MSG_PEEK);
    rv_("peek on sv0 (reported once, then EOF)", sv[0], buf, 10, MSG_PEEK);
    return 0;
}
