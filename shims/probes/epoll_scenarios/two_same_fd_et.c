// Native twin of programs/epoll/two_same_fd_et.mir (the ET variant of two_same_fd.inc).
#define ET EPOLLET
#define M "ET"
#include "two_same_fd.inc"
