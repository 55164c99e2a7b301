// Native twin of programs/epoll/two_same_fd_lt.mir (the LT variant of two_same_fd.inc).
#define ET 0
#define M "LT"
#include "two_same_fd.inc"
