// Native twin of programs/epoll/no_notification_for_unregister_flag_lt.mir (the LT variant of no_notification_for_unregister_flag.inc).
#define ET 0
#define M "LT"
#include "no_notification_for_unregister_flag.inc"
