// Native twin of programs/epoll/event_overwrite_lt.mir (the LT variant of event_overwrite.inc).
#define ET 0
#define M "LT"
#include "event_overwrite.inc"
