// Native twin of programs/epoll/watching_fd_being_closed_et.mir (the ET variant of watching_fd_being_closed.inc).
#define ET EPOLLET
#define M "ET"
#include "watching_fd_being_closed.inc"
