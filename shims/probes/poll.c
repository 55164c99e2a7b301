/* Native probe of poll and ppoll on Linux (6.18 x86-64): per-kind masks, NVAL, negative fds,
 * nfds limits, EFAULT, ppoll check order and timeout write-back. Run: gcc poll.c -o /tmp/p &&
 * /tmp/p < /dev/null (output: poll.txt). programs/poll/ pins what it found. */
#define _GNU_SOURCE
#include <stdio.h>
#include <poll.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/select.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <signal.h>
#include <time.h>
static void pr(const char *l, int r, short rev){ if(r<0) printf("%s: -1 %s\n", l, strerrorname_np(errno)); else printf("%s: %d %#x\n", l, r, (unsigned short)rev);}
static short one(int fd, short ev, int *r){ struct pollfd p={fd,ev,0x7777}; *r=poll(&p,1,0); return p.revents;}
#define P(l,fd,ev) do{int r; short v=one(fd,ev,&r); pr(l,r,v);}while(0)
int main(){
  struct rlimit rl={20000,20000}; setrlimit(RLIMIT_NOFILE,&rl);
  signal(SIGPIPE,SIG_IGN);
  int all=0xffff;
  P("stdin all", 0, all);
  int dn=open("/dev/null",O_WRONLY); P("devnull wronly all", dn, all); P("devnull wronly 0", dn, 0); close(dn);
  int p[2]; pipe(p);
  P("pipe r empty", p[0], all); P("pipe w empty", p[1], all);
  write(p[1],"x",1); P("pipe r data", p[0], all); P("pipe r data IN only", p[0], POLLIN);
  P("pipe r data events 0", p[0], 0);
  close(p[1]); P("pipe r data+hup", p[0], all); P("pipe r hup events0", p[0], 0);
  close(p[0]);
  pipe(p); close(p[0]); P("pipe w no reader", p[1], all); P("pipe w no reader 0", p[1], 0); close(p[1]);
  int e=eventfd(0,0); P("eventfd 0", e, all); eventfd_write(e,1); P("eventfd 1", e, all); eventfd_write(e,0xfffffffffffffffeULL-1); P("eventfd max", e, all); close(e);
  int sv[2]; socketpair(AF_UNIX,SOCK_STREAM,0,sv);
  P("sock", sv[0], all); write(sv[1],"x",1); P("sock data", sv[0], all);
  shutdown(sv[1],SHUT_WR); P("sock peer shut_wr", sv[0], all); P("sock peer shut_wr IN", sv[0], POLLIN);
  close(sv[1]); P("sock peer closed", sv[0], all); close(sv[0]);
  socketpair(AF_UNIX,SOCK_STREAM,0,sv); write(sv[0],"x",1); close(sv[1]); P("sock peer closed unread", sv[0], all); P("sock reset events 0", sv[0], 0); close(sv[0]);
  int t=timerfd_create(CLOCK_MONOTONIC,0); P("timerfd", t, all);
  struct itimerspec its={{0,0},{0,1000}}; timerfd_settime(t,0,&its,0); usleep(1000); P("timerfd expired", t, all); close(t);
  int ep=epoll_create1(0); P("epoll empty", ep, all); int e2=eventfd(1,0); struct epoll_event ev={EPOLLIN,{0}}; epoll_ctl(ep,EPOLL_CTL_ADD,e2,&ev); P("epoll ready", ep, all); close(e2); close(ep);
  P("closed fd", 50, all); P("closed fd events 0", 50, 0);
  P("fd 20000", 20000, all);
  { struct pollfd q[3]={{-1,POLLIN,0x55},{-5,POLLIN,0x55},{0,POLLIN,0x55}}; int r=poll(q,3,0); printf("negative fds: %d %#x %#x %#x\n", r, q[0].revents,q[1].revents,q[2].revents);}
  { struct pollfd q[2]={{-1,POLLIN,0x55},{-5,POLLIN,0x55}}; int r=poll(q,2,10); printf("only negative fds timeout 10: %d %#x %#x\n", r, q[0].revents,q[1].revents);}
  { int r=poll(NULL,0,0); printf("nfds 0 NULL: %d\n", r);}
  { int r=poll(NULL,1,0); printf("nfds 1 NULL: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  { int r=poll((void*)0x1234,1,0); printf("nfds 1 bad: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  { static struct pollfd q[20001]; for(int i=0;i<20001;i++){q[i].fd=-1;} int r=poll(q,20000,0); printf("nfds 20000: %d %s\n", r, r<0?strerrorname_np(errno):""); r=poll(q,20001,0); printf("nfds 20001: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  { struct pollfd q={0,POLLIN,0}; int r=poll(&q,1,-1); printf("stdin blocking: %d %#x\n", r, q.revents);}
  { struct pollfd q={0,POLLIN,0}; int r=poll(&q,1,-7); printf("negative timeout ready: %d\n", r);}
  { struct pollfd q={0,POLLIN,0}; int r=syscall(SYS_poll,&q,(unsigned long)0x100000001UL,0); printf("nfds 0x100000001: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  /* ppoll */
  { struct pollfd q={0,POLLIN,0}; sigset_t s; sigemptyset(&s); int r=syscall(SYS_ppoll,&q,1,NULL,&s,7); printf("ppoll sigsetsize 7: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  { struct pollfd q={0,POLLIN,0}; int r=syscall(SYS_ppoll,&q,1,NULL,NULL,7); printf("ppoll NULL mask sigsetsize 7: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  { struct pollfd q={0,POLLIN,0}; struct timespec ts={0,-1}; int r=ppoll(&q,1,&ts,NULL); printf("ppoll nsec -1: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  { struct pollfd q={0,POLLIN,0}; struct timespec ts={-1,0}; int r=ppoll(&q,1,&ts,NULL); printf("ppoll sec -1: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  { struct pollfd q={0,POLLIN,0}; int r=syscall(SYS_ppoll,&q,1,(void*)0x1234,NULL,8); printf("ppoll bad ts: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  { struct pollfd q={0,POLLIN,0}; int r=syscall(SYS_ppoll,&q,1,NULL,(void*)0x1234,8); printf("ppoll bad mask: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  { struct pollfd q={0,POLLIN,0}; int r=syscall(SYS_ppoll,(void*)0x1234,1,(void*)0x1234,(void*)0x1234,7); printf("ppoll all bad: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  { struct pollfd q={0,POLLIN,0}; struct timespec ts={0,-1}; int r=syscall(SYS_ppoll,(void*)0x1234,1,&ts,(void*)0x1234,7); printf("ppoll bad pfd, bad ts val, bad mask, size 7: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  { struct pollfd q={0,POLLIN,0}; struct timespec ts={0,-1}; int r=syscall(SYS_ppoll,&q,20001,&ts,NULL,8); printf("ppoll nfds 20001 bad ts: %d %s\n", r, r<0?strerrorname_np(errno):"");}
  { struct pollfd q={0,POLLIN,0}; struct timespec ts={0,5}; int r=syscall(SYS_ppoll,&q,1,&ts,NULL,8); printf("ppoll ts written: %d %ld\n", r, ts.tv_nsec);}
  { int pp[2]; pipe(pp); struct pollfd q={pp[0],POLLIN,0}; struct timespec ts={0,20000000}; int r=syscall(SYS_ppoll,&q,1,&ts,NULL,8); printf("ppoll raw timeout: %d ts %ld.%09ld<20ms:%d\n", r, ts.tv_sec, ts.tv_nsec, ts.tv_nsec<20000000); ts.tv_nsec=20000000; r=ppoll(&q,1,&ts,NULL); printf("ppoll glibc timeout: %d ts %ld.%09ld\n", r, ts.tv_sec, ts.tv_nsec); close(pp[0]); close(pp[1]);}
  return 0;
}
