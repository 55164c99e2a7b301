// Native twin of programs/epoll/block_without_notification_et.mir (the ET variant of block_without_notification.inc).
#define ET EPOLLET
#define M "ET"
#include "block_without_notification.inc"
