// Native twin of programs/epoll/data_race_lt.mir (the LT variant of data_race.inc).
#define ET 0
#define M "LT"
#include "data_race.inc"
