// Native twin of programs/epoll/ctl_mod_lt.mir (the LT variant of ctl_mod.inc).
#define ET 0
#define M "LT"
#include "ctl_mod.inc"
