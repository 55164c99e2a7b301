// Native twin of programs/epoll/block_then_unblock_lt.mir (the LT variant of block_then_unblock.inc).
#define ET 0
#define M "LT"
#include "block_then_unblock.inc"
