// Native twin of programs/epoll/socketpair_epollerr_lt.mir (the LT variant of socketpair_epollerr.inc).
#define ET 0
#define M "LT"
#include "socketpair_epollerr.inc"
