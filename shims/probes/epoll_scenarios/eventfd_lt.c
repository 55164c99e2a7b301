// Native twin of programs/epoll/eventfd_lt.mir (the LT variant of eventfd.inc).
#define ET 0
#define M "LT"
#include "eventfd.inc"
