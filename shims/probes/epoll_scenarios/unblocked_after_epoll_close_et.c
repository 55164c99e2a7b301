// Native twin of programs/epoll/unblocked_after_epoll_close_et.mir (the ET variant of unblocked_after_epoll_close.inc).
#define ET EPOLLET
#define M "ET"
#include "unblocked_after_epoll_close.inc"
