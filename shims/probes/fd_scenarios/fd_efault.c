// Native version of programs/fds/fd_efault.mir. A Spindle allocation of N bytes is played by
// guarded(N) (N mapped bytes before an unmapped page); "freed" is an unmapped page; a string
// literal is read-only memory. Each numbered section starts from a fresh pipe or socket pair.
#include "scen.h"

static int p[2], sv[2];

static void fresh_pipe(const char *what) {
    say(what);
    pipe2(p, O_NONBLOCK);
}

static void fresh_socket(const char *what) {
    say(what);
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
}

int main(void) {
    init();
    char buf[16];
    char *two = guarded(2), *four = guarded(4), *five = guarded(5);
    memcpy(four, "wxyz", 4);
    char *freed = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(freed, 4096);
    char *big = malloc(5000), *big2 = calloc(1, 212992);
    memset(big, 'y', 5000);
    fresh_pipe("1. pipe");
    SHOW("write NULL len=10", write(p[1], NULL, 10));
    SHOW("write NULL len=0", write(p[1], NULL, 0));
    SHOW("write from a freed buffer", write(p[1], freed, 10));
    SHOW("read NULL len=10 (empty)", read(p[0], NULL, 10));
    SHOW("read into a string literal (empty)", read(p[0], (char *)"0123456789", 10));
    SHOW("write abc", write(p[1], "abc", 3));
    SHOW("read NULL len=10", read(p[0], NULL, 10));
    SHOW("read NULL len=0", read(p[0], NULL, 0));
    SHOW("read into a freed buffer", read(p[0], freed, 10));
    SHOW("read into a string literal", read(p[0], (char *)"0123456789", 10));
    rd("read (the data was kept)", p[0], buf, 10);
    fresh_pipe("2. pipe");
    SHOW("write from a 4-byte buffer, len 10", write(p[1], four, 10));
    fresh_pipe("3. pipe");
    SHOW("write abc", write(p[1], "abc", 3));
    SHOW("read into a 2-byte buffer, len 10", read(p[0], two, 10));
    fresh_pipe("4. pipe");
    SHOW("write abc", write(p[1], "abc", 3));
    SHOW("write 4096 (a second slot)", write(p[1], big, 4096));
    SHOW("read into a 5-byte buffer, len 100", read(p[0], five, 100));
    fresh_pipe("5. pipe");
    SHOW("close the write end", close(p[1]));
    SHOW("read NULL len=10 at EOF", read(p[0], NULL, 10));
    fresh_pipe("6. pipe");
    SHOW("close the read end", close(p[0]));
    SHOW("write NULL len=10 with no reader", write(p[1], NULL, 10));
    SHOW("read NULL len=10 on the write end", read(p[1], NULL, 10));
    SHOW("F_SETFL 0 on the write end, read NULL len=10 on it", (fcntl(p[1], F_SETFL, 0), read(p[1], NULL, 10)));
    fresh_socket("7. socketpair");
    SHOW("send NULL len=10", send(sv[0], NULL, 10, 0));
    SHOW("recv NULL (empty)", recv(sv[1], NULL, 10, 0));
    SHOW("send abc", send(sv[0], "abc", 3, 0));
    SHOW("recv NULL", recv(sv[1], NULL, 10, 0));
    SHOW("recv MSG_PEEK NULL", recv(sv[1], NULL, 10, MSG_PEEK));
    SHOW("read into a freed buffer", read(sv[1], freed, 10));
    rd("read (the data was kept)", sv[1], buf, 10);
    fresh_socket("8. socketpair");
    SHOW("send from a 4-byte buffer, len 10", send(sv[0], four, 10, 0));
    fresh_socket("9. socketpair");
    SHOW("send abc", send(sv[0], "abc", 3, 0));
    SHOW("recv into a 2-byte buffer, len 10", recv(sv[1], two, 10, 0));
    fresh_socket("10. socketpair");
    SHOW("send abc", send(sv[0], "abc", 3, 0));
    SHOW("send def", send(sv[0], "def", 3, 0));
    SHOW("recv into a 5-byte buffer, len 100 (two writes)", recv(sv[1], five, 100, 0));
    fresh_socket("11. socketpair");
    SHOW("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
    SHOW("send NULL len=10 after SHUT_WR", send(sv[0], NULL, 10, 0));
    SHOW("write NULL len=10 after SHUT_WR", write(sv[0], NULL, 10));
    SHOW("recv NULL len=10 at EOF", recv(sv[1], NULL, 10, 0));
    fresh_socket("12. socketpair, full");
    SHOW("write 212992 (SO_SNDBUF)", write(sv[0], big2, 212992));
    SHOW("write NULL len=2 (no room: EAGAIN before the buffer)", write(sv[0], NULL, 2));
    SHOW("send NULL len=2", send(sv[0], NULL, 2, 0));
    return 0;
}
