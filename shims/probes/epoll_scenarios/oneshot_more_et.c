// Native twin of programs/epoll/oneshot_more_et.mir (the ET variant of oneshot_more.inc).
#define ET EPOLLET
#define M "ET"
#include "oneshot_more.inc"
