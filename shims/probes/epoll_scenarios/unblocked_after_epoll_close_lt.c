// Native twin of programs/epoll/unblocked_after_epoll_close_lt.mir (the LT variant of unblocked_after_epoll_close.inc).
#define ET 0
#define M "LT"
#include "unblocked_after_epoll_close.inc"
