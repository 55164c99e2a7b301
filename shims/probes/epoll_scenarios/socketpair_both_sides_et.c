// Native twin of programs/epoll/socketpair_both_sides_et.mir (the ET variant of socketpair_both_sides.inc).
#define ET EPOLLET
#define M "ET"
#include "socketpair_both_sides.inc"
