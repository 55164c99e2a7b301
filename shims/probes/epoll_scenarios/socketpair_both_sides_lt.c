// Native twin of programs/epoll/socketpair_both_sides_lt.mir (the LT variant of socketpair_both_sides.inc).
#define ET 0
#define M "LT"
#include "socketpair_both_sides.inc"
