// Native twin of programs/epoll/oneshot_more_lt.mir (the LT variant of oneshot_more.inc).
#define ET 0
#define M "LT"
#include "oneshot_more.inc"
