// Native twin of programs/epoll/watching_fd_being_closed_lt.mir (the LT variant of watching_fd_being_closed.inc).
#define ET 0
#define M "LT"
#include "watching_fd_being_closed.inc"
