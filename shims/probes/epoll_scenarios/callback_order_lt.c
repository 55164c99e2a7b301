// Native twin of programs/epoll/callback_order_lt.mir (the LT variant of callback_order.inc).
#define ET 0
#define M "LT"
#include "callback_order.inc"
