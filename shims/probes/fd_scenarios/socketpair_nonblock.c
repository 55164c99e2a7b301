// Native version of programs/fds/socketpair_nonblock.mir (Miri libc-socketpair-no-blocking.rs
// test_fcntl_nonblock_opt, test_sock_nonblock_opt).
#include "scen.h"

int main(void) {
    init();
    int sv[2];
    char buf[8];
    SHOW("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    SHOW("F_GETFL sv0", fcntl(sv[0], F_GETFL));
    SHOW("F_GETFL sv1", fcntl(sv[1], F_GETFL));
    SHOW("F_SETFL sv0 O_NONBLOCK", fcntl(sv[0], F_SETFL, O_NONBLOCK));
    SHOW("F_GETFL sv0", fcntl(sv[0], F_GETFL));
    SHOW("F_GETFL sv1 (not shared with the peer)", fcntl(sv[1], F_GETFL));
    SHOW("read sv0 (empty)", read(sv[0], buf, 8));
    SHOW("recv sv1 MSG_DONTWAIT (empty)", recv(sv[1], buf, 8, MSG_DONTWAIT));
    SHOW("recv sv1 len=0 MSG_DONTWAIT (empty)", recv(sv[1], buf, 0, MSG_DONTWAIT));
    SHOW("read sv1 len=0 (empty, blocking)", read(sv[1], buf, 0));
    SHOW("F_SETFL sv0 0", fcntl(sv[0], F_SETFL, 0));
    SHOW("F_GETFL sv0", fcntl(sv[0], F_GETFL));
    SHOW("F_SETFL sv0 O_APPEND", fcntl(sv[0], F_SETFL, O_APPEND));
    SHOW("F_GETFL sv0", fcntl(sv[0], F_GETFL));
    SHOW("socketpair SOCK_NONBLOCK", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
    SHOW("F_GETFL sv0", fcntl(sv[0], F_GETFL));
    SHOW("F_GETFL sv1", fcntl(sv[1], F_GETFL));
    SHOW("F_GETFD sv0", fcntl(sv[0], F_GETFD));
    SHOW("read sv0", read(sv[0], buf, 8));
    SHOW("read sv1", read(sv[1], buf, 8));
    SHOW("recv sv1 len=0 (empty)", recv(sv[1], buf, 0, 0));
    SHOW("send x on sv0 MSG_DONTWAIT|MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL));
    SHOW("recv sv1 len=0 (data queued)", recv(sv[1], buf, 0, 0));
    rd("read sv1", sv[1], buf, 8);
    SHOW("socketpair SOCK_CLOEXEC", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
    SHOW("F_GETFL sv0", fcntl(sv[0], F_GETFL));
    SHOW("F_GETFD sv0", fcntl(sv[0], F_GETFD));
    SHOW("F_GETFD sv1", fcntl(sv[1], F_GETFD));
    return 0;
}
