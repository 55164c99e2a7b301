// Native twin of programs/epoll/ctl_notification_et.mir (the ET variant of ctl_notification.inc).
#define ET EPOLLET
#define M "ET"
#include "ctl_notification.inc"
