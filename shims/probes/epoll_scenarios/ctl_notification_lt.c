// Native twin of programs/epoll/ctl_notification_lt.mir (the LT variant of ctl_notification.inc).
#define ET 0
#define M "LT"
#include "ctl_notification.inc"
