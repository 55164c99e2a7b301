// Native twin of programs/epoll/ctl_epfd_equal_fd_lt.mir (the LT variant of ctl_epfd_equal_fd.inc).
#define ET 0
#define M "LT"
#include "ctl_epfd_equal_fd.inc"
