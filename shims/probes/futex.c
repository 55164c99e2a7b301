// Native probe: Linux's answers to futex(2), one fact per line ("<fact>: <value>").
// Threaded facts pin the process to one CPU and start waiters 20 ms apart, so that they block
// in that order. Build: gcc -O1 -pthread futex.c -o futex
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sched.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <stdint.h>
#include <time.h>
#include <limits.h>
#define P(what, expr) do { errno = 0; long _r = (long)(expr); if (_r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno)); else printf("%s: %ld\n", what, _r); } while (0)
static long fx(void *u, int op, uint32_t val, const void *ts_or_val2, void *u2, uint32_t val3) {
  return syscall(SYS_futex, u, op, val, ts_or_val2, u2, val3);
}
static uint32_t W __attribute__((aligned(8)));
static uint32_t W2 __attribute__((aligned(8)));
static int order[8]; static int norder;
static pthread_mutex_t om = PTHREAD_MUTEX_INITIALIZER;
struct arg { int id; uint32_t *w; int op; uint32_t bitset; long r; int err; };
static void *waiter(void *p) {
  struct arg *a = p;
  errno = 0;
  a->r = fx(a->w, a->op, 0, NULL, NULL, a->bitset);
  a->err = errno;
  pthread_mutex_lock(&om); order[norder++] = a->id; pthread_mutex_unlock(&om);
  return NULL;
}
static void ms(int n) { usleep(n * 1000); }
static pthread_t th[8]; static struct arg args[8];
static void start(int n, uint32_t *w, int op, const uint32_t *bitsets) {
  norder = 0;
  for (int i = 0; i < n; i++) {
    args[i] = (struct arg){ .id = i, .w = w, .op = op, .bitset = bitsets ? bitsets[i] : FUTEX_BITSET_MATCH_ANY };
    pthread_create(&th[i], NULL, waiter, &args[i]);
    ms(20);
  }
}
static void woken(const char *what) {
  ms(20);
  printf("%s: woken [", what);
  pthread_mutex_lock(&om);
  for (int i = 0; i < norder; i++) printf("%s%d", i ? ", " : "", order[i]);
  pthread_mutex_unlock(&om);
  printf("]\n");
}
static void finish(int n) {
  fx(&W, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
  fx(&W2, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
  fx(&W, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
  fx(&W2, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
  for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
}
int main(void) {
  cpu_set_t one; CPU_ZERO(&one); CPU_SET(0, &one); sched_setaffinity(0, sizeof one, &one);
  setvbuf(stdout, NULL, _IONBF, 0);
  struct timespec t1ms = {0, 1000000}, bad_ns = {0, 1000000000}, neg_ns = {0, -1}, neg_s = {-1, 0}, zero = {0, 0};
  W = 5;
  // --- single-threaded rules
  P("WAIT value differs", fx(&W, FUTEX_WAIT, 4, NULL, NULL, 0));
  P("WAIT_PRIVATE value differs", fx(&W, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0));
  P("WAIT 1ms timeout", fx(&W, FUTEX_WAIT, 5, &t1ms, NULL, 0));
  P("WAIT zero timeout", fx(&W, FUTEX_WAIT_PRIVATE, 5, &zero, NULL, 0));
  P("WAIT nsec=1e9", fx(&W, FUTEX_WAIT, 5, &bad_ns, NULL, 0));
  P("WAIT nsec=-1", fx(&W, FUTEX_WAIT, 5, &neg_ns, NULL, 0));
  P("WAIT sec=-1", fx(&W, FUTEX_WAIT, 5, &neg_s, NULL, 0));
  P("WAIT nsec=1e9 value differs", fx(&W, FUTEX_WAIT, 4, &bad_ns, NULL, 0));
  P("WAIT misaligned", fx((char *)&W + 1, FUTEX_WAIT, 5, NULL, NULL, 0));
  P("WAIT misaligned value differs", fx((char *)&W + 2, FUTEX_WAIT, 4, &t1ms, NULL, 0));
  P("WAIT NULL", fx(NULL, FUTEX_WAIT, 5, NULL, NULL, 0));
  P("WAIT_PRIVATE NULL", fx(NULL, FUTEX_WAIT_PRIVATE, 5, NULL, NULL, 0));
  void *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); munmap(gone, 4096);
  P("WAIT unmapped", fx(gone, FUTEX_WAIT, 0, NULL, NULL, 0));
  P("WAIT bad timeout pointer", fx(&W, FUTEX_WAIT, 5, gone, NULL, 0));
  P("WAIT bad timeout pointer value differs", fx(&W, FUTEX_WAIT, 4, gone, NULL, 0));
  P("WAKE nobody", fx(&W, FUTEX_WAKE, 1, NULL, NULL, 0));
  P("WAKE_PRIVATE nobody", fx(&W, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
  P("WAKE val=0", fx(&W, FUTEX_WAKE, 0, NULL, NULL, 0));
  P("WAKE val=-1", fx(&W, FUTEX_WAKE, -1, NULL, NULL, 0));
  P("WAKE val=INT_MAX", fx(&W, FUTEX_WAKE, INT_MAX, NULL, NULL, 0));
  P("WAKE misaligned", fx((char *)&W + 1, FUTEX_WAKE, 1, NULL, NULL, 0));
  P("WAKE NULL", fx(NULL, FUTEX_WAKE, 1, NULL, NULL, 0));
  P("WAKE_PRIVATE NULL", fx(NULL, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
  P("WAKE unmapped", fx(gone, FUTEX_WAKE, 1, NULL, NULL, 0));
  P("WAKE_PRIVATE unmapped", fx(gone, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
  P("WAIT_BITSET bitset 0", fx(&W, FUTEX_WAIT_BITSET, 5, NULL, NULL, 0));
  P("WAIT_BITSET bitset 0 value differs", fx(&W, FUTEX_WAIT_BITSET, 4, NULL, NULL, 0));
  P("WAIT_BITSET value differs", fx(&W, FUTEX_WAIT_BITSET, 4, NULL, NULL, FUTEX_BITSET_MATCH_ANY));
  struct timespec now; clock_gettime(CLOCK_MONOTONIC, &now);
  P("WAIT_BITSET absolute deadline in the past", fx(&W, FUTEX_WAIT_BITSET_PRIVATE, 5, &now, NULL, 1));
  P("WAIT_BITSET absolute zero", fx(&W, FUTEX_WAIT_BITSET_PRIVATE, 5, &zero, NULL, 1));
  struct timespec soon = now; soon.tv_nsec += 1000000; if (soon.tv_nsec >= 1000000000) { soon.tv_sec++; soon.tv_nsec -= 1000000000; }
  P("WAIT_BITSET absolute deadline 1ms ahead", fx(&W, FUTEX_WAIT_BITSET_PRIVATE, 5, &soon, NULL, 1));
  P("WAIT_BITSET|CLOCK_REALTIME absolute zero", fx(&W, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &zero, NULL, 1));
  P("WAIT|CLOCK_REALTIME zero (relative)", fx(&W, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &zero, NULL, 0));
  P("WAKE|CLOCK_REALTIME", fx(&W, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0));
  P("WAKE_BITSET bitset 0", fx(&W, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0));
  P("WAKE_BITSET nobody", fx(&W, FUTEX_WAKE_BITSET, 1, NULL, NULL, 1));
  P("op 99", fx(&W, 99, 0, NULL, NULL, 0));
  P("op 14", fx(&W, 14, 0, NULL, NULL, 0));
  P("op -1", fx(&W, -1, 0, NULL, NULL, 0));
  P("REQUEUE nobody", fx(&W, FUTEX_REQUEUE, 1, (void *)1, &W2, 0));
  P("REQUEUE val=-1", fx(&W, FUTEX_REQUEUE, -1, (void *)1, &W2, 0));
  P("REQUEUE val2=-1", fx(&W, FUTEX_REQUEUE, 1, (void *)-1L, &W2, 0));
  P("REQUEUE onto same word", fx(&W, FUTEX_REQUEUE, 1, (void *)1, &W, 0));
  P("REQUEUE uaddr2 misaligned", fx(&W, FUTEX_REQUEUE, 1, (void *)1, (char *)&W2 + 1, 0));
  P("REQUEUE uaddr2 NULL", fx(&W, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, NULL, 0));
  P("CMP_REQUEUE value differs", fx(&W, FUTEX_CMP_REQUEUE, 1, (void *)1, &W2, 4));
  P("CMP_REQUEUE value equal", fx(&W, FUTEX_CMP_REQUEUE, 1, (void *)1, &W2, 5));
  P("CMP_REQUEUE onto same word", fx(&W, FUTEX_CMP_REQUEUE, 1, (void *)1, &W, 5));
  P("CMP_REQUEUE val=-1", fx(&W, FUTEX_CMP_REQUEUE, -1, (void *)1, &W2, 5));
  P("CMP_REQUEUE uaddr NULL", fx(NULL, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &W2, 5));
  P("CMP_REQUEUE uaddr2 NULL", fx(&W, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, NULL, 5));
  // --- threaded rules
  W = 0; W2 = 0;
  start(3, &W, FUTEX_WAIT_PRIVATE, NULL);
  P("3 waiters, WAKE 1", fx(&W, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)); woken("after WAKE 1");
  P("WAKE 0 (wakes one)", fx(&W, FUTEX_WAKE_PRIVATE, 0, NULL, NULL, 0)); woken("after WAKE 0");
  P("WAKE 5 (one left)", fx(&W, FUTEX_WAKE_PRIVATE, 5, NULL, NULL, 0)); woken("after WAKE 5");
  finish(3);
  printf("waiter returns: %ld %ld %ld\n", args[0].r, args[1].r, args[2].r);
  start(4, &W, FUTEX_WAIT_PRIVATE, NULL);
  P("4 waiters, WAKE 2", fx(&W, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0)); woken("FIFO");
  finish(4);
  start(4, &W, FUTEX_WAIT_PRIVATE, NULL);
  P("REQUEUE wake 1 requeue 2", fx(&W, FUTEX_REQUEUE_PRIVATE, 1, (void *)2, &W2, 0)); woken("after REQUEUE");
  P("WAKE W 8", fx(&W, FUTEX_WAKE_PRIVATE, 8, NULL, NULL, 0)); woken("after WAKE W");
  P("WAKE W2 8", fx(&W2, FUTEX_WAKE_PRIVATE, 8, NULL, NULL, 0)); woken("after WAKE W2");
  finish(4);
  start(3, &W, FUTEX_WAIT_PRIVATE, NULL);
  P("CMP_REQUEUE wake 0 requeue 1", fx(&W, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)1, &W2, 0)); woken("after CMP_REQUEUE 0 1");
  P("CMP_REQUEUE wake 0 requeue 0", fx(&W, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)0, &W2, 0)); woken("after CMP_REQUEUE 0 0");
  P("CMP_REQUEUE onto same word with waiters", fx(&W, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)1, &W, 0)); woken("after same-word");
  P("WAKE W2 8", fx(&W2, FUTEX_WAKE_PRIVATE, 8, NULL, NULL, 0)); woken("after WAKE W2");
  finish(3);
  uint32_t bs[4] = {1, 2, 3, 4};
  start(4, &W, FUTEX_WAIT_BITSET_PRIVATE, bs);
  P("WAKE_BITSET 2 mask 2", fx(&W, FUTEX_WAKE_BITSET_PRIVATE, 2, NULL, NULL, 2)); woken("after mask 2");
  P("WAKE (any) 1", fx(&W, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)); woken("after WAKE any");
  finish(4);
  start(1, &W, FUTEX_WAIT, NULL);
  P("shared waiter, WAKE_PRIVATE", fx(&W, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)); woken("after WAKE_PRIVATE");
  P("shared waiter, WAKE (shared)", fx(&W, FUTEX_WAKE, 1, NULL, NULL, 0)); woken("after WAKE");
  finish(1);
  return 0;
}
