// Native twin of programs/epoll/masks_lt.mir (the LT variant of masks.inc).
#define ET 0
#define M "LT"
#include "masks.inc"
