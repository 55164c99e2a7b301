// Native twin of programs/epoll/race_registered_before_et.mir (the ET variant of race_registered_before.inc).
#define ET EPOLLET
#define M "ET"
#include "race_registered_before.inc"
