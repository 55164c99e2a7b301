// Native twin of programs/epoll/issue_3858_et.mir (the ET variant of issue_3858.inc).
#define ET EPOLLET
#define M "ET"
#include "issue_3858.inc"
