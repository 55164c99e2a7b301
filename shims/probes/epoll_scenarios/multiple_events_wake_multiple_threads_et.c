// Native twin of programs/epoll/multiple_events_wake_multiple_threads_et.mir (the ET variant of multiple_events_wake_multiple_threads.inc).
#define ET EPOLLET
#define M "ET"
#include "multiple_events_wake_multiple_threads.inc"
