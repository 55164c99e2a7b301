// Native twin of programs/epoll/race_registered_before_lt.mir (the LT variant of race_registered_before.inc).
#define ET 0
#define M "LT"
#include "race_registered_before.inc"
