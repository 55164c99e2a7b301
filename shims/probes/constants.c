#define _GNU_SOURCE
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>
#include <string.h>
/* Prints the generated part of shims/src/consts.rs: every constant by name, and every errno
 * with glibc's message (strerror) and a Rust constant. */
#define C(x) printf("    (\"%s\", %lld),\n", #x, (long long)(x));
static const char *errnos[128];
static int nerr;
#define E(x) printf("    (\"%s\", %lld),\n", #x, (long long)(x)); errnos[nerr++] = #x;
static int pass;
#define C2(x) if (pass) printf("    pub const %s: i64 = %lld;\n", #x, (long long)(x)); else printf("    (\"%s\", %lld),\n", #x, (long long)(x));
static int value_of(const char *name);
/* Every other constant: table rows (pass 0) or Rust constants (pass 1). */
static void others(void) {
C2(EPOLLIN)C2(EPOLLPRI)C2(EPOLLOUT)C2(EPOLLERR)C2(EPOLLHUP)C2(EPOLLRDNORM)C2(EPOLLRDBAND)C2(EPOLLWRNORM)C2(EPOLLWRBAND)C2(EPOLLMSG)C2(EPOLLRDHUP)C2(EPOLLEXCLUSIVE)C2(EPOLLWAKEUP)C2(EPOLLONESHOT)C2(EPOLLET)C2(EPOLL_CLOEXEC)C2(EPOLL_CTL_ADD)C2(EPOLL_CTL_DEL)C2(EPOLL_CTL_MOD)
C2(EFD_SEMAPHORE)C2(EFD_CLOEXEC)C2(EFD_NONBLOCK)
C2(O_RDONLY)C2(O_WRONLY)C2(O_RDWR)C2(O_ACCMODE)C2(O_CREAT)C2(O_EXCL)C2(O_NOCTTY)C2(O_TRUNC)C2(O_APPEND)C2(O_NONBLOCK)C2(O_NDELAY)C2(O_DSYNC)C2(O_ASYNC)C2(O_DIRECT)C2(O_LARGEFILE)C2(O_DIRECTORY)C2(O_NOFOLLOW)C2(O_NOATIME)C2(O_CLOEXEC)C2(O_SYNC)C2(O_PATH)C2(O_TMPFILE)
C2(F_DUPFD)C2(F_GETFD)C2(F_SETFD)C2(F_GETFL)C2(F_SETFL)C2(F_GETLK)C2(F_SETLK)C2(F_SETLKW)C2(F_SETOWN)C2(F_GETOWN)C2(F_DUPFD_CLOEXEC)C2(F_GETPIPE_SZ)C2(F_SETPIPE_SZ)C2(FD_CLOEXEC)
C2(SOCK_STREAM)C2(SOCK_DGRAM)C2(SOCK_RAW)C2(SOCK_SEQPACKET)C2(SOCK_NONBLOCK)C2(SOCK_CLOEXEC)C2(AF_UNSPEC)C2(AF_UNIX)C2(AF_LOCAL)C2(AF_INET)C2(AF_INET6)C2(PF_UNIX)C2(PF_LOCAL)
C2(MSG_OOB)C2(MSG_PEEK)C2(MSG_DONTROUTE)C2(MSG_TRUNC)C2(MSG_DONTWAIT)C2(MSG_EOR)C2(MSG_WAITALL)C2(MSG_NOSIGNAL)C2(MSG_CMSG_CLOEXEC)
C2(SHUT_RD)C2(SHUT_WR)C2(SHUT_RDWR)
C2(CLOCK_REALTIME)C2(CLOCK_MONOTONIC)C2(CLOCK_PROCESS_CPUTIME_ID)C2(CLOCK_THREAD_CPUTIME_ID)C2(CLOCK_MONOTONIC_RAW)C2(CLOCK_REALTIME_COARSE)C2(CLOCK_MONOTONIC_COARSE)C2(CLOCK_BOOTTIME)
C2(TFD_CLOEXEC)C2(TFD_NONBLOCK)C2(TFD_TIMER_ABSTIME)C2(TFD_TIMER_CANCEL_ON_SET)
C2(PIPE_BUF)C2(STDIN_FILENO)C2(STDOUT_FILENO)C2(STDERR_FILENO)
C2(SIGPIPE)C2(SIG_BLOCK)C2(SIG_UNBLOCK)C2(SIG_SETMASK)
}
int main(void){
printf("pub const CONSTANTS: &[(&str, i64)] = &[\n");
E(EPERM)E(ENOENT)E(ESRCH)E(EINTR)E(EIO)E(ENXIO)E(E2BIG)E(ENOEXEC)E(EBADF)E(ECHILD)E(EAGAIN)E(EWOULDBLOCK)E(ENOMEM)E(EACCES)E(EFAULT)E(EBUSY)E(EEXIST)E(EXDEV)E(ENODEV)E(ENOTDIR)E(EISDIR)E(EINVAL)E(ENFILE)E(EMFILE)E(ENOTTY)E(EFBIG)E(ENOSPC)E(ESPIPE)E(EROFS)E(EPIPE)E(ERANGE)E(EDEADLK)E(ENAMETOOLONG)E(ENOSYS)E(ELOOP)E(ENOTSOCK)E(EDESTADDRREQ)E(EMSGSIZE)E(EPROTOTYPE)E(ENOPROTOOPT)E(EPROTONOSUPPORT)E(ESOCKTNOSUPPORT)E(EOPNOTSUPP)E(ENOTSUP)E(EAFNOSUPPORT)E(EADDRINUSE)E(ECONNRESET)E(ENOBUFS)E(EISCONN)E(ENOTCONN)E(ESHUTDOWN)E(ETIMEDOUT)E(ECONNREFUSED)E(EALREADY)E(EINPROGRESS)E(ECANCELED)
others();
printf("];\n\n/// Every errno value with glibc's message for it (`strerror`), first name first.\n");
printf("pub const ERRNOS: &[(&str, i64, &str)] = &[\n");
for (int i = 0; i < nerr; i++) printf("    (\"%s\", %d, \"%s\"),\n", errnos[i], value_of(errnos[i]), strerror(value_of(errnos[i])));
printf("];\n\n/// Errno values by name, for the shims.\n#[allow(dead_code)]\npub mod errno {\n");
for (int i = 0; i < nerr; i++) printf("    pub const %s: i64 = %d;\n", errnos[i], value_of(errnos[i]));
printf("}\n\n/// Every other constant by name, for the shims.\n#[allow(dead_code)]\npub mod linux {\n");
pass = 1;
others();
printf("}\n");
return 0;}
#undef E
#define E(x) if (!strcmp(name, #x)) return x;
static int value_of(const char *name) {
E(EPERM)E(ENOENT)E(ESRCH)E(EINTR)E(EIO)E(ENXIO)E(E2BIG)E(ENOEXEC)E(EBADF)E(ECHILD)E(EAGAIN)E(EWOULDBLOCK)E(ENOMEM)E(EACCES)E(EFAULT)E(EBUSY)E(EEXIST)E(EXDEV)E(ENODEV)E(ENOTDIR)E(EISDIR)E(EINVAL)E(ENFILE)E(EMFILE)E(ENOTTY)E(EFBIG)E(ENOSPC)E(ESPIPE)E(EROFS)E(EPIPE)E(ERANGE)E(EDEADLK)E(ENAMETOOLONG)E(ENOSYS)E(ELOOP)E(ENOTSOCK)E(EDESTADDRREQ)E(EMSGSIZE)E(EPROTOTYPE)E(ENOPROTOOPT)E(EPROTONOSUPPORT)E(ESOCKTNOSUPPORT)E(EOPNOTSUPP)E(ENOTSUP)E(EAFNOSUPPORT)E(EADDRINUSE)E(ECONNRESET)E(ENOBUFS)E(EISCONN)E(ENOTCONN)E(ESHUTDOWN)E(ETIMEDOUT)E(ECONNREFUSED)E(EALREADY)E(EINPROGRESS)E(ECANCELED)
return -1;}
