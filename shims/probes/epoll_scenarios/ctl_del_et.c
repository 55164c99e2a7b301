// Native twin of programs/epoll/ctl_del_et.mir (the ET variant of ctl_del.inc).
#define ET EPOLLET
#define M "ET"
#include "ctl_del.inc"
