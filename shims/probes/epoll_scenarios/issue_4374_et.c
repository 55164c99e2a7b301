// Native twin of programs/epoll/issue_4374_et.mir (the ET variant of issue_4374.inc).
#define ET EPOLLET
#define M "ET"
#include "issue_4374.inc"
