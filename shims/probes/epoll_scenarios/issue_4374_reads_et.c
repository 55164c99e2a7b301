// Native twin of programs/epoll/issue_4374_reads_et.mir (the ET variant of issue_4374_reads.inc).
#define ET EPOLLET
#define M "ET"
#include "issue_4374_reads.inc"
