// Native twin of programs/epoll/ready_list_mod_lt.mir (the LT variant of ready_list_mod.inc).
#define ET 0
#define M "LT"
#include "ready_list_mod.inc"
