// Native twin of programs/epoll/socketpair_read_lt.mir (the LT variant of socketpair_read.inc).
#define ET 0
#define M "LT"
#include "socketpair_read.inc"
