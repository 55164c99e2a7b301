// Native twin of programs/epoll/round_robin_et.mir (the ET variant of round_robin.inc).
#define ET EPOLLET
#define M "ET"
#include "round_robin.inc"
