// Native twin of programs/epoll/issue_4374_reads_lt.mir (the LT variant of issue_4374_reads.inc).
#define ET 0
#define M "LT"
#include "issue_4374_reads.inc"
