// Native twin of programs/epoll/issue_4374_lt.mir (the LT variant of issue_4374.inc).
#define ET 0
#define M "LT"
#include "issue_4374.inc"
