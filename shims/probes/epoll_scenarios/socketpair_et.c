// Native twin of programs/epoll/socketpair_et.mir (the ET variant of socketpair.inc).
#define ET EPOLLET
#define M "ET"
#include "socketpair.inc"
