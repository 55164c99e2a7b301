// Native twin of programs/epoll/ready_list_mod_et.mir (the ET variant of ready_list_mod.inc).
#define ET EPOLLET
#define M "ET"
#include "ready_list_mod.inc"
