/* Native twin of programs/signals/sigpipe.mir: the last write ends the process (exit 141). */
#include "sig.h"
#include <sys/socket.h>

static volatile int count, code;

static void on_pipe(int sig, siginfo_t *info, void *uc) { (void)sig; (void)uc; count++; code = info->si_code; }

int main(void) {
    init();
    struct sigaction sa = {0};
    sa.sa_sigaction = on_pipe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGPIPE, &sa, NULL);
    int p[2];
    pipe(p);
    close(p[0]);
    printf("a handler: write to a pipe without a reader: "); show(write(p[1], "x", 1));
    printf("the handler ran first: %d, si_code %d (SI_USER)\n", count, code);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    close(sv[1]);
    printf("send to a closed peer: "); show(send(sv[0], "x", 1, 0));
    printf("the handler ran: %d\n", count);
    printf("send with MSG_NOSIGNAL: "); show(send(sv[0], "x", 1, MSG_NOSIGNAL));
    printf("the handler did not run: %d\n", count);
    signal(SIGPIPE, SIG_IGN);
    printf("SIG_IGN: write: "); show(write(p[1], "x", 1));
    signal(SIGPIPE, SIG_DFL);
    printf("SIG_DFL: the write ends the process with 128 + 13\n");
    show(write(p[1], "x", 1));
    printf("not reached\n");
    return 0;
}
