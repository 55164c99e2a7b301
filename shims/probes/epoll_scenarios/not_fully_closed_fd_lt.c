// Native twin of programs/epoll/not_fully_closed_fd_lt.mir (the LT variant of not_fully_closed_fd.inc).
#define ET 0
#define M "LT"
#include "not_fully_closed_fd.inc"
