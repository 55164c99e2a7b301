/* The process calls as strace shows them: fork (glibc's clone), getpid, getppid, wait4 with
 * a status, with NULL and unmapped status pointers, WNOHANG with a running child and without
 * children, an unknown option, ECHILD; _exit, exit and exit_group, and each child's
 * `+++ exited with N +++` and the parent's `--- SIGCHLD {…} ---`; children a signal kills
 * (`+++ killed by SIGTERM +++`, WIFSIGNALED); signals the process ignores (SIGURG, SIGPIPE),
 * which strace shows delivered. tests/strace.rs compares
 * it with programs/strace/process_calls.mir.
 *
 * Spindle's order is pinned, the host's is real time: where Spindle runs the child to its end
 * before the parent goes on, the parent waits here for that with waitid(WNOWAIT), which is not
 * traced; where Spindle's parent blocks in wait4 first, the child waits here until the parent
 * sleeps (its state in /proc/PPID/stat is S) with calls that are not traced either, and the
 * parent waits so for a child to block in read before it kills it. */
/* strace -e trace also: clone,getpid,getppid,exit_group,kill */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* Spindle has run the child to its end: so has the host, without reaping it. */
static void child_ended(pid_t c) {
    siginfo_t si;
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);
}

/* Spindle's process (a parent in wait4, a child in read) is blocked: so is the host's
 * (asleep: state S). */
static void asleep(pid_t parent) {
    char path[64], stat[256];
    snprintf(path, sizeof path, "/proc/%d/stat", parent);
    for (;;) {
        int fd = syscall(SYS_open, path, O_RDONLY);
        struct iovec v = {stat, sizeof stat - 1};
        long n = readv(fd, &v, 1);
        syscall(SYS_close_range, fd, fd, 0);
        if (n > 0) {
            stat[n] = 0;
            char *end = strrchr(stat, ')');
            if (end && end[1] == ' ' && end[2] == 'S')
                return;
        }
        struct timespec ts = {0, 100000};
        syscall(SYS_nanosleep, &ts, NULL);
    }
}

int main(void) {
    int s, p[2], q[2];
    char b;
    pid_t c, me;
    sigset_t usr1;
    /* no child yet */
    wait4(-1, &s, 0, NULL);
    wait4(-1, &s, WNOHANG, NULL);
    wait4(0, NULL, 0, NULL);
    me = getpid();
    wait4(me, &s, 0, NULL);
    /* a child that ends with _exit(3), reaped with its status, then no more */
    c = fork();
    if (c == 0) {
        getpid();
        getppid();
        _exit(3);
    }
    child_ended(c);
    wait4(c, &s, 0, NULL);
    wait4(c, &s, 0, NULL);
    /* an unmapped status pointer: EFAULT, and the child is reaped all the same */
    c = fork();
    if (c == 0)
        _exit(4);
    child_ended(c);
    wait4(c, (int *)8, 0, NULL);
    wait4(c, &s, WNOHANG, NULL);
    /* a running child: WNOHANG finds it running, an unknown option is EINVAL; it goes on when
     * its signal comes, and ends with exit(5) while the parent waits for any child */
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    c = fork();
    if (c == 0) {
        sigwaitinfo(&usr1, NULL);
        asleep(me);
        getppid();
        exit(5);
    }
    wait4(c, &s, WNOHANG, NULL);
    wait4(-1, &s, WNOWAIT, NULL);
    wait4(-1, &s, WNOHANG | 0x8000000, NULL);
    kill(c, SIGUSR1);
    wait4(-1, &s, 0, NULL);
    /* a child that returns 0 from main's code path (exit_group(0)), reaped with a NULL status */
    c = fork();
    if (c == 0)
        syscall(SYS_exit_group, 0);
    child_ended(c);
    wait4(c, NULL, 0, NULL);
    /* a child a signal kills while it is blocked in read: the read ends (ERESTARTSYS), the
     * signal is delivered, the child is killed and reaped WIFSIGNALED; then one that kills
     * itself */
    pipe(q);
    c = fork();
    if (c == 0) {
        read(q[0], &b, 1);
        _exit(6);
    }
    asleep(c);
    kill(c, SIGTERM);
    child_ended(c);
    wait4(c, &s, 0, NULL);
    /* SIGKILL: no delivery line, the read ends unfinished */
    c = fork();
    if (c == 0) {
        read(q[0], &b, 1);
        _exit(8);
    }
    asleep(c);
    kill(c, SIGKILL);
    child_ended(c);
    wait4(c, &s, 0, NULL);
    c = fork();
    if (c == 0) {
        kill(getpid(), SIGTERM);
        _exit(7);
    }
    child_ended(c);
    wait4(c, &s, 0, NULL);
    /* signals the process ignores are shown all the same: SIGURG by default, SIGPIPE set to
     * SIG_IGN (a write to a pipe without readers) */
    kill(me, SIGURG);
    signal(SIGPIPE, SIG_IGN);
    pipe(p);
    close(p[0]);
    write(p[1], "x", 1);
    _exit(0);
}
