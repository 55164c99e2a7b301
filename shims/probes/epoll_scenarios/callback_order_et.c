// Native twin of programs/epoll/callback_order_et.mir (the ET variant of callback_order.inc).
#define ET EPOLLET
#define M "ET"
#include "callback_order.inc"
