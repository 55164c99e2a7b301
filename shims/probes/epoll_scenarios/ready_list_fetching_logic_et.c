// Native twin of programs/epoll/ready_list_fetching_logic_et.mir (the ET variant of ready_list_fetching_logic.inc).
#define ET EPOLLET
#define M "ET"
#include "ready_list_fetching_logic.inc"
