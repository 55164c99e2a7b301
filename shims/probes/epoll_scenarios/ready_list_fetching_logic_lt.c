// Native twin of programs/epoll/ready_list_fetching_logic_lt.mir (the LT variant of ready_list_fetching_logic.inc).
#define ET 0
#define M "LT"
#include "ready_list_fetching_logic.inc"
