// Native twin of programs/epoll/data_race_et.mir (the ET variant of data_race.inc).
#define ET EPOLLET
#define M "ET"
#include "data_race.inc"
