#define _GNU_SOURCE
#include <sys/epoll.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
int main(void){ int ep=epoll_create1(0); char b[8]; long r;
 printf("F_GETFL epoll: %#x\n", fcntl(ep, F_GETFL));
 errno=0; r=read(ep,b,8); printf("read epoll: %ld %s\n", r, strerrorname_np(errno));
 errno=0; r=write(ep,b,8); printf("write epoll: %ld %s\n", r, strerrorname_np(errno));
 errno=0; r=read(ep,b,0); printf("read epoll 0 bytes: %ld %s\n", r, strerrorname_np(errno));
 return 0; }
