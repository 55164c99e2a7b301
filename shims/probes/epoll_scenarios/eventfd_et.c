// Native twin of programs/epoll/eventfd_et.mir (the ET variant of eventfd.inc).
#define ET EPOLLET
#define M "ET"
#include "eventfd.inc"
