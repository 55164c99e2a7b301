// Native twin of programs/epoll/wait_maxevent_zero_lt.mir (the LT variant of wait_maxevent_zero.inc).
#define ET 0
#define M "LT"
#include "wait_maxevent_zero.inc"
