#include <sys/socket.h>
#include <unistd.h>
int main(void) {
    int sv[2];
    char buf[8];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    send(sv[0], "ping", 4, MSG_DONTWAIT | MSG_NOSIGNAL);
    recv(sv[1], buf, 8, MSG_PEEK);
    recv(sv[1], buf, 8, 0);
    shutdown(sv[0], SHUT_WR);
    recv(sv[1], buf, 8, 0);
    send(sv[0], "x", 1, MSG_NOSIGNAL);
    return 0;
}
