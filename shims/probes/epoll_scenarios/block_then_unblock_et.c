// Native twin of programs/epoll/block_then_unblock_et.mir (the ET variant of block_then_unblock.inc).
#define ET EPOLLET
#define M "ET"
#include "block_then_unblock.inc"
