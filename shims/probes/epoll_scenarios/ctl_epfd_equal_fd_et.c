// Native twin of programs/epoll/ctl_epfd_equal_fd_et.mir (the ET variant of ctl_epfd_equal_fd.inc).
#define ET EPOLLET
#define M "ET"
#include "ctl_epfd_equal_fd.inc"
