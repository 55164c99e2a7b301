// Native twin of programs/epoll/socketpair_lt.mir (the LT variant of socketpair.inc).
#define ET 0
#define M "LT"
#include "socketpair.inc"
