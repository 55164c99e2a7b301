// Native twin of programs/epoll/block_without_notification_lt.mir (the LT variant of block_without_notification.inc).
#define ET 0
#define M "LT"
#include "block_without_notification.inc"
