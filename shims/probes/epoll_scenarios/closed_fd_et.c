// Native twin of programs/epoll/closed_fd_et.mir (the ET variant of closed_fd.inc).
#define ET EPOLLET
#define M "ET"
#include "closed_fd.inc"
