/* Native version of programs/epoll/nested_depth_limit.mir. */
#include "ep.h"

static int EP[8];
static void mk(void) { for (int i = 0; i < 8; i++) EP[i] = epoll_create1(0); }
static void rm(void) { for (int i = 0; i < 8; i++) close(EP[i]); }
static long link_(int i, int j) { return ctl(EP[i], EPOLL_CTL_ADD, EP[j], EPOLLIN, 0); }

int main(void) {
    init();
    mk();
    int e = eventfd(0, EFD_NONBLOCK);
    lab("ep0 ADD eventfd"); ctl(EP[0], EPOLL_CTL_ADD, e, EPOLLIN, e);
    for (int i = 0; i < 6; i++) {
        printf("bottom-up: ep%d ADD ep%d (%d links): ", i + 1, i, i + 1);
        if (ctl(EP[i + 1], EPOLL_CTL_ADD, EP[i], EPOLLIN, 0) != 0) break;
    }
    rm();
    mk();
    for (int i = 0; i < 6; i++) {
        printf("top-down: ep%d ADD ep%d (%d links): ", i, i + 1, i + 1);
        if (ctl(EP[i], EPOLL_CTL_ADD, EP[i + 1], EPOLLIN, 0) != 0) break;
    }
    rm();
    mk();
    lab("ep0 ADD ep1"); link_(0, 1);
    lab("ep1 ADD ep2"); link_(1, 2);
    lab("ep3 ADD ep4"); link_(3, 4);
    lab("ep4 ADD ep5"); link_(4, 5);
    lab("join: ep2 ADD ep3 (2 + 1 + 2 = 5 links)"); link_(2, 3);
    lab("join: ep1 ADD ep3 (1 + 1 + 2 = 4 links)"); link_(1, 3);
    rm();
    mk();
    lab("tree: ep0 ADD ep1"); link_(0, 1);
    lab("tree: ep0 ADD ep2"); link_(0, 2);
    lab("tree: ep1 ADD ep3"); link_(1, 3);
    lab("tree: ep3 ADD ep4"); link_(3, 4);
    lab("tree: ep2 ADD ep5 (longest chain through ep2: 2)"); link_(2, 5);
    lab("tree: ep4 ADD ep6 (longest chain 4)"); link_(4, 6);
    lab("tree: ep6 ADD ep7 (longest chain 5)"); link_(6, 7);
    rm();
    mk();
    lab("diamond: d0 ADD d1"); link_(0, 1);
    lab("diamond: d0 ADD d2"); link_(0, 2);
    lab("diamond: d1 ADD d3"); link_(1, 3);
    lab("diamond: d2 ADD d3"); link_(2, 3);
    return 0;
}
