// Native twin of programs/epoll/issue_3858_lt.mir (the LT variant of issue_3858.inc).
#define ET 0
#define M "LT"
#include "issue_3858.inc"
