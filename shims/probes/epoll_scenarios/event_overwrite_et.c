// Native twin of programs/epoll/event_overwrite_et.mir (the ET variant of event_overwrite.inc).
#define ET EPOLLET
#define M "ET"
#include "event_overwrite.inc"
