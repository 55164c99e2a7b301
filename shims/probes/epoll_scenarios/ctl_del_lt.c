// Native twin of programs/epoll/ctl_del_lt.mir (the LT variant of ctl_del.inc).
#define ET 0
#define M "LT"
#include "ctl_del.inc"
