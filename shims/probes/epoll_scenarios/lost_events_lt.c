// Native twin of programs/epoll/lost_events_lt.mir (the LT variant of lost_events.inc).
#define ET 0
#define M "LT"
#include "lost_events.inc"
