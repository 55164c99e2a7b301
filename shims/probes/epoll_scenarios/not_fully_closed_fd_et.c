// Native twin of programs/epoll/not_fully_closed_fd_et.mir (the ET variant of not_fully_closed_fd.inc).
#define ET EPOLLET
#define M "ET"
#include "not_fully_closed_fd.inc"
