// Native twin of programs/epoll/round_robin_lt.mir (the LT variant of round_robin.inc).
#define ET 0
#define M "LT"
#include "round_robin.inc"
