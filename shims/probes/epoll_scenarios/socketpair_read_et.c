// Native twin of programs/epoll/socketpair_read_et.mir (the ET variant of socketpair_read.inc).
#define ET EPOLLET
#define M "ET"
#include "socketpair_read.inc"
