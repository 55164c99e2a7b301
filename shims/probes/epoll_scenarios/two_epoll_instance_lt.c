// Native twin of programs/epoll/two_epoll_instance_lt.mir (the LT variant of two_epoll_instance.inc).
#define ET 0
#define M "LT"
#include "two_epoll_instance.inc"
