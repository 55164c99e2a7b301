// Native twin of programs/epoll/notification_after_timeout_et.mir (the ET variant of notification_after_timeout.inc).
#define ET EPOLLET
#define M "ET"
#include "notification_after_timeout.inc"
