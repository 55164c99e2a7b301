// Native twin of programs/epoll/wait_maxevent_zero_et.mir (the ET variant of wait_maxevent_zero.inc).
#define ET EPOLLET
#define M "ET"
#include "wait_maxevent_zero.inc"
