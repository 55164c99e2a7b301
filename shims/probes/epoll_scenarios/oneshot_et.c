// Native twin of programs/epoll/oneshot_et.mir (the ET variant of oneshot.inc).
#define ET EPOLLET
#define M "ET"
#include "oneshot.inc"
