// Native twin of programs/epoll/wakeup_on_new_interest_et.mir (the ET variant of wakeup_on_new_interest.inc).
#define ET EPOLLET
#define M "ET"
#include "wakeup_on_new_interest.inc"
