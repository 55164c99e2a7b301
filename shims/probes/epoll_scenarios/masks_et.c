// Native twin of programs/epoll/masks_et.mir (the ET variant of masks.inc).
#define ET EPOLLET
#define M "ET"
#include "masks.inc"
