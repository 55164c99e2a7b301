// Native twin of programs/epoll/multiple_events_wake_multiple_threads_lt.mir (the LT variant of multiple_events_wake_multiple_threads.inc).
#define ET 0
#define M "LT"
#include "multiple_events_wake_multiple_threads.inc"
