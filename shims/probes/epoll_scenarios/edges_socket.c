/* Native version of programs/epoll/edges_socket.mir. */
#include "ep.h"

int main(void) {
    init();
    int sv[2];
    sock(sv, SOCK_NONBLOCK);
    int ep = epoll_create1(0);
    lab("ADD s1 OUT|ET"); ctl(ep, EPOLL_CTL_ADD, sv[1], EPOLLOUT | EPOLLET, 1);
    lab("wait"); w0(ep);
    lab("s0 writes 3 bytes (key IN)"); w(sv[0], "abc", 3);
    lab("wait"); w0(ep);
    lab("s0 writes 0 bytes"); w(sv[0], "", 0);
    lab("wait"); w0(ep);
    close(ep);
    ep = epoll_create1(0);
    lab("a new epoll, ADD s1 IN|ET"); ctl(ep, EPOLL_CTL_ADD, sv[1], EPOLLIN | EPOLLET, 2);
    lab("wait"); w0(ep);
    lab("s0 writes 0 bytes"); w(sv[0], "", 0);
    lab("wait"); w0(ep);
    lab("s0 writes 1 byte"); w(sv[0], "d", 1);
    lab("wait"); w0(ep);
    close(ep);
    ep = epoll_create1(0);
    lab("a new epoll, ADD s0 OUT|ET"); ctl(ep, EPOLL_CTL_ADD, sv[0], EPOLLOUT | EPOLLET, 3);
    lab("wait"); w0(ep);
    lab("s1 reads 2 of the 3-byte write"); rd(sv[1], 2);
    lab("wait"); w0(ep);
    lab("s1 reads the rest of it"); rd(sv[1], 1);
    lab("wait"); w0(ep);
    lab("s1 reads the 1-byte write"); rd(sv[1], 1);
    lab("wait"); w0(ep);
    if (write(sv[0], "ab", 2) != 2 || write(sv[0], "cd", 2) != 2) return 1;
    lab("s0 wrote 2 and 2 bytes: wait"); w0(ep);
    lab("s1 reads both at once"); rd(sv[1], 4);
    lab("wait"); w0(ep);
    close(sv[0]); close(sv[1]); close(ep);
    sock(sv, SOCK_NONBLOCK);
    ep = epoll_create1(0);
    lab("a new pair, ADD s0 OUT|ET"); ctl(ep, EPOLL_CTL_ADD, sv[0], EPOLLOUT | EPOLLET, 3);
    lab("wait"); w0(ep);
    int n = 0;
    while (write(sv[0], "x", 1) == 1) n++;
    printf("filled with %d one-byte writes: wait: ", n); w0(ep);
    int k = 0;
    char b;
    do {
        if (read(sv[1], &b, 1)) {}
        k++;
    } while (rec(0, ep, 8, 0) == 0);
    printf("the first OUT edge after %d one-byte reads: ", k); got(0);
    lab("one more read"); rd(sv[1], 1);
    lab("wait"); w0(ep);
    close(sv[0]); close(sv[1]); close(ep);
    sock(sv, SOCK_NONBLOCK);
    ep = epoll_create1(0);
    lab("a new pair, ADD s0 OUT|ET"); ctl(ep, EPOLL_CTL_ADD, sv[0], EPOLLOUT | EPOLLET, 3);
    lab("ADD s1 OUT|ET"); ctl(ep, EPOLL_CTL_ADD, sv[1], EPOLLOUT | EPOLLET, 1);
    lab("wait"); w0(ep);
    lab("shutdown(s0, SHUT_RD)"); show(shutdown(sv[0], SHUT_RD));
    lab("wait"); w0(ep);
    lab("shutdown(s0, SHUT_WR)"); show(shutdown(sv[0], SHUT_WR));
    lab("wait"); w0(ep);
    close(sv[0]); close(sv[1]); close(ep);
    sock(sv, SOCK_NONBLOCK);
    ep = epoll_create1(0);
    lab("a new pair, ADD s1 OUT|ET"); ctl(ep, EPOLL_CTL_ADD, sv[1], EPOLLOUT | EPOLLET, 1);
    lab("wait"); w0(ep);
    lab("close s0"); cl(sv[0]);
    lab("wait"); w0(ep);
    return 0;
}
