// Native twin of programs/epoll/ctl_mod_et.mir (the ET variant of ctl_mod.inc).
#define ET EPOLLET
#define M "ET"
#include "ctl_mod.inc"
