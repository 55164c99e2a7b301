// Native twin of programs/epoll/closed_fd_lt.mir (the LT variant of closed_fd.inc).
#define ET 0
#define M "LT"
#include "closed_fd.inc"
