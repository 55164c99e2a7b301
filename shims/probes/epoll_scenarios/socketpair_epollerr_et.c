// Native twin of programs/epoll/socketpair_epollerr_et.mir (the ET variant of socketpair_epollerr.inc).
#define ET EPOLLET
#define M "ET"
#include "socketpair_epollerr.inc"
