// Native twin of programs/epoll/two_epoll_instance_et.mir (the ET variant of two_epoll_instance.inc).
#define ET EPOLLET
#define M "ET"
#include "two_epoll_instance.inc"
