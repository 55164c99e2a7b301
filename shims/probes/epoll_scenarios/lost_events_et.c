// Native twin of programs/epoll/lost_events_et.mir (the ET variant of lost_events.inc).
#define ET EPOLLET
#define M "ET"
#include "lost_events.inc"
