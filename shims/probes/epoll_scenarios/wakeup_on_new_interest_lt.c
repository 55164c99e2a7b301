// Native twin of programs/epoll/wakeup_on_new_interest_lt.mir (the LT variant of wakeup_on_new_interest.inc).
#define ET 0
#define M "LT"
#include "wakeup_on_new_interest.inc"
