// Native twin of programs/epoll/no_notification_for_unregister_flag_et.mir (the ET variant of no_notification_for_unregister_flag.inc).
#define ET EPOLLET
#define M "ET"
#include "no_notification_for_unregister_flag.inc"
