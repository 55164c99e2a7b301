// Native twin of programs/epoll/notification_after_timeout_lt.mir (the LT variant of notification_after_timeout.inc).
#define ET 0
#define M "LT"
#include "notification_after_timeout.inc"
