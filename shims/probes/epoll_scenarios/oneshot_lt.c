// Native twin of programs/epoll/oneshot_lt.mir (the LT variant of oneshot.inc).
#define ET 0
#define M "LT"
#include "oneshot.inc"
