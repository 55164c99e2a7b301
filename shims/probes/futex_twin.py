# Generates programs/futex/probe.mir, the guest twin of shims/probes/futex.c (run from the
# repository root: python3 shims/probes/futex_twin.py). Its stdout must be futex.txt.
facts = [
 ("WAIT value differs", "&W", "FUTEX_WAIT", "4", "null", "null", "0"),
 ("WAIT_PRIVATE value differs", "&W", "FUTEX_WAIT_PRIVATE", "4", "null", "null", "0"),
 ("WAIT 1ms timeout", "&W", "FUTEX_WAIT", "5", "&T1MS", "null", "0"),
 ("WAIT zero timeout", "&W", "FUTEX_WAIT_PRIVATE", "5", "&ZERO", "null", "0"),
 ("WAIT nsec=1e9", "&W", "FUTEX_WAIT", "5", "&BADNS", "null", "0"),
 ("WAIT nsec=-1", "&W", "FUTEX_WAIT", "5", "&NEGNS", "null", "0"),
 ("WAIT sec=-1", "&W", "FUTEX_WAIT", "5", "&NEGS", "null", "0"),
 ("WAIT nsec=1e9 value differs", "&W", "FUTEX_WAIT", "4", "&BADNS", "null", "0"),
 ("WAIT misaligned", "&W + 1", "FUTEX_WAIT", "5", "null", "null", "0"),
 ("WAIT misaligned value differs", "&W + 2", "FUTEX_WAIT", "4", "&T1MS", "null", "0"),
 ("WAIT NULL", "null", "FUTEX_WAIT", "5", "null", "null", "0"),
 ("WAIT_PRIVATE NULL", "null", "FUTEX_WAIT_PRIVATE", "5", "null", "null", "0"),
 ("WAIT unmapped", "gone", "FUTEX_WAIT", "0", "null", "null", "0"),
 ("WAIT bad timeout pointer", "&W", "FUTEX_WAIT", "5", "gone", "null", "0"),
 ("WAIT bad timeout pointer value differs", "&W", "FUTEX_WAIT", "4", "gone", "null", "0"),
 ("WAKE nobody", "&W", "FUTEX_WAKE", "1", "null", "null", "0"),
 ("WAKE_PRIVATE nobody", "&W", "FUTEX_WAKE_PRIVATE", "1", "null", "null", "0"),
 ("WAKE val=0", "&W", "FUTEX_WAKE", "0", "null", "null", "0"),
 ("WAKE val=-1", "&W", "FUTEX_WAKE", "-1", "null", "null", "0"),
 ("WAKE val=INT_MAX", "&W", "FUTEX_WAKE", "2147483647", "null", "null", "0"),
 ("WAKE misaligned", "&W + 1", "FUTEX_WAKE", "1", "null", "null", "0"),
 ("WAKE NULL", "null", "FUTEX_WAKE", "1", "null", "null", "0"),
 ("WAKE_PRIVATE NULL", "null", "FUTEX_WAKE_PRIVATE", "1", "null", "null", "0"),
 ("WAKE unmapped", "gone", "FUTEX_WAKE", "1", "null", "null", "0"),
 ("WAKE_PRIVATE unmapped", "gone", "FUTEX_WAKE_PRIVATE", "1", "null", "null", "0"),
 ("WAIT_BITSET bitset 0", "&W", "FUTEX_WAIT_BITSET", "5", "null", "null", "0"),
 ("WAIT_BITSET bitset 0 value differs", "&W", "FUTEX_WAIT_BITSET", "4", "null", "null", "0"),
 ("WAIT_BITSET value differs", "&W", "FUTEX_WAIT_BITSET", "4", "null", "null", "FUTEX_BITSET_MATCH_ANY"),
 ("NOW", None),
 ("WAIT_BITSET absolute deadline in the past", "&W", "FUTEX_WAIT_BITSET_PRIVATE", "5", "&NOW", "null", "1"),
 ("WAIT_BITSET absolute zero", "&W", "FUTEX_WAIT_BITSET_PRIVATE", "5", "&ZERO", "null", "1"),
 ("SOON", None),
 ("WAIT_BITSET absolute deadline 1ms ahead", "&W", "FUTEX_WAIT_BITSET_PRIVATE", "5", "&SOON", "null", "1"),
 ("WAIT_BITSET|CLOCK_REALTIME absolute zero", "&W", "FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME", "5", "&ZERO", "null", "1"),
 ("WAIT|CLOCK_REALTIME zero (relative)", "&W", "FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME", "5", "&ZERO", "null", "0"),
 ("WAKE|CLOCK_REALTIME", "&W", "FUTEX_WAKE | FUTEX_CLOCK_REALTIME", "1", "null", "null", "0"),
 ("WAKE_BITSET bitset 0", "&W", "FUTEX_WAKE_BITSET", "1", "null", "null", "0"),
 ("WAKE_BITSET nobody", "&W", "FUTEX_WAKE_BITSET", "1", "null", "null", "1"),
 ("op 99", "&W", "99", "0", "null", "null", "0"),
 ("op 14", "&W", "14", "0", "null", "null", "0"),
 ("op -1", "&W", "-1", "0", "null", "null", "0"),
 ("REQUEUE nobody", "&W", "FUTEX_REQUEUE", "1", "1", "&W2", "0"),
 ("REQUEUE val=-1", "&W", "FUTEX_REQUEUE", "-1", "1", "&W2", "0"),
 ("REQUEUE val2=-1", "&W", "FUTEX_REQUEUE", "1", "-1", "&W2", "0"),
 ("REQUEUE onto same word", "&W", "FUTEX_REQUEUE", "1", "1", "&W", "0"),
 ("REQUEUE uaddr2 misaligned", "&W", "FUTEX_REQUEUE", "1", "1", "&W2 + 1", "0"),
 ("REQUEUE uaddr2 NULL", "&W", "FUTEX_REQUEUE_PRIVATE", "1", "1", "null", "0"),
 ("CMP_REQUEUE value differs", "&W", "FUTEX_CMP_REQUEUE", "1", "1", "&W2", "4"),
 ("CMP_REQUEUE value equal", "&W", "FUTEX_CMP_REQUEUE", "1", "1", "&W2", "5"),
 ("CMP_REQUEUE onto same word", "&W", "FUTEX_CMP_REQUEUE", "1", "1", "&W", "5"),
 ("CMP_REQUEUE val=-1", "&W", "FUTEX_CMP_REQUEUE", "-1", "1", "&W2", "5"),
 ("CMP_REQUEUE uaddr NULL", "null", "FUTEX_CMP_REQUEUE_PRIVATE", "1", "1", "&W2", "5"),
 ("CMP_REQUEUE uaddr2 NULL", "&W", "FUTEX_CMP_REQUEUE_PRIVATE", "1", "1", "null", "5"),
]
# threaded part: ("start", n, op, bitsets) / ("P", label, uaddr, op, val, t, u2, v3) / ("woken", label) / ("finish", n) / ("returns",)
threaded = [
 ("start", 3, "FUTEX_WAIT_PRIVATE", None),
 ("P", "3 waiters, WAKE 1", "&W", "FUTEX_WAKE_PRIVATE", "1", "0", "null", "0"), ("woken", "after WAKE 1"),
 ("P", "WAKE 0 (wakes one)", "&W", "FUTEX_WAKE_PRIVATE", "0", "0", "null", "0"), ("woken", "after WAKE 0"),
 ("P", "WAKE 5 (one left)", "&W", "FUTEX_WAKE_PRIVATE", "5", "0", "null", "0"), ("woken", "after WAKE 5"),
 ("finish", 3), ("returns",),
 ("start", 4, "FUTEX_WAIT_PRIVATE", None),
 ("P", "4 waiters, WAKE 2", "&W", "FUTEX_WAKE_PRIVATE", "2", "0", "null", "0"), ("woken", "FIFO"),
 ("finish", 4),
 ("start", 4, "FUTEX_WAIT_PRIVATE", None),
 ("P", "REQUEUE wake 1 requeue 2", "&W", "FUTEX_REQUEUE_PRIVATE", "1", "2", "&W2", "0"), ("woken", "after REQUEUE"),
 ("P", "WAKE W 8", "&W", "FUTEX_WAKE_PRIVATE", "8", "0", "null", "0"), ("woken", "after WAKE W"),
 ("P", "WAKE W2 8", "&W2", "FUTEX_WAKE_PRIVATE", "8", "0", "null", "0"), ("woken", "after WAKE W2"),
 ("finish", 4),
 ("start", 3, "FUTEX_WAIT_PRIVATE", None),
 ("P", "CMP_REQUEUE wake 0 requeue 1", "&W", "FUTEX_CMP_REQUEUE_PRIVATE", "0", "1", "&W2", "0"), ("woken", "after CMP_REQUEUE 0 1"),
 ("P", "CMP_REQUEUE wake 0 requeue 0", "&W", "FUTEX_CMP_REQUEUE_PRIVATE", "0", "0", "&W2", "0"), ("woken", "after CMP_REQUEUE 0 0"),
 ("P", "CMP_REQUEUE onto same word with waiters", "&W", "FUTEX_CMP_REQUEUE_PRIVATE", "0", "1", "&W", "0"), ("woken", "after same-word"),
 ("P", "WAKE W2 8", "&W2", "FUTEX_WAKE_PRIVATE", "8", "0", "null", "0"), ("woken", "after WAKE W2"),
 ("finish", 3),
 ("start", 4, "FUTEX_WAIT_BITSET_PRIVATE", [1, 2, 3, 4]),
 ("P", "WAKE_BITSET 2 mask 2", "&W", "FUTEX_WAKE_BITSET_PRIVATE", "2", "0", "null", "2"), ("woken", "after mask 2"),
 ("P", "WAKE (any) 1", "&W", "FUTEX_WAKE_PRIVATE", "1", "0", "null", "0"), ("woken", "after WAKE any"),
 ("finish", 4),
 ("start", 1, "FUTEX_WAIT", None),
 ("P", "shared waiter, WAKE_PRIVATE", "&W", "FUTEX_WAKE_PRIVATE", "1", "0", "null", "0"), ("woken", "after WAKE_PRIVATE"),
 ("P", "shared waiter, WAKE (shared)", "&W", "FUTEX_WAKE", "1", "0", "null", "0"), ("woken", "after WAKE"),
 ("finish", 1),
]
out = []
o = out.append
o("""// probe: the guest twin of the native probe shims/probes/futex.c — every futex rule Spindle
// models, one fact per line. This program's stdout is the probe's recorded output,
// shims/probes/futex.txt, line for line (tests/futex.rs checks it). `gone` is a freed allocation
// here, an unmapped page there. Threads are started 20 ms apart so that they block in order, as
// the probe does; each waiter records its id in ORDER when it wakes.
// Generated by shims/probes/futex_twin.py (its facts are data): edit the lists there.
// expect: exit 0

use std::linux;

static W: [u32; 2];
static W2: [u32; 2];
static T1MS: [i64; 2] = [0, 1000000];
static BADNS: [i64; 2] = [0, 1000000000];
static NEGNS: [i64; 2] = [0, -1];
static NEGS: [i64; 2] = [-1, 0];
static ZERO: [i64; 2];
static NOW: [i64; 2];
static SOON: [i64; 2];
static ORDER: [i64; 8];
static NORDER: [i64; 1];
static OP: [i64; 1];
static BITSETS: [u32; 8];
static TIDS: [i64; 8];
static RETS: [i64; 8];

// waiter(i): waits on W with the op in OP and bitset BITSETS[i], then records i in ORDER.
fn waiter(i: i64) -> i64 {
    let op: i64;
    let bs: u32;
    let r: i64;
    let k: i64;
    bb0: { op = load.i64 &OP; bs = load.u32 &BITSETS + i * 4; r = call futex(&W, op, 0, null, null, bs) -> bb1; }
    bb1: { store.i64 &RETS + i * 8, r; k = atomic_rmw.add.acq_rel.i64 &NORDER, 1; atomic_store.release.i64 &ORDER + k * 8, i; return r; }
}

// woken(): after 20 ms, the ids of the waiters woken so far, in the order they woke.
fn woken() {
    let n: i64;
    let i: i64;
    let v: i64;
    bb0: { call sleep_ms(20) -> bb1; }
    bb1: { n = atomic_load.acquire.i64 &NORDER; i = 0; print "["; goto head; }
    head: { switch i < n { true => item, false => done } }
    item: { v = atomic_load.acquire.i64 &ORDER + i * 8; switch i > 0 { true => comma, false => one } }
    comma: { print ", "; goto one; }
    one: { print "{}", v; i = i + 1; goto head; }
    done: { println "]"; return; }
}

// start(n): starts n waiters, 20 ms apart.
fn start(n: i64) {
    let i: i64;
    let t: i64;
    bb0: { atomic_store.release.i64 &NORDER, 0; i = 0; goto head; }
    head: { switch i < n { true => go, false => done } }
    go: { t = call spawn(waiter, i) -> pause; }
    pause: { store.i64 &TIDS + i * 8, t; call sleep_ms(20) -> next; }
    next: { i = i + 1; goto head; }
    done: { return; }
}

// finish(n): wakes everybody left, both kinds, and joins the n waiters.
fn finish(n: i64) {
    let i: i64;
    let t: i64;
    let r: i64;
    bb0: { r = call futex(&W, FUTEX_WAKE, 2147483647) -> b1; }
    b1: { r = call futex(&W2, FUTEX_WAKE, 2147483647) -> b2; }
    b2: { r = call futex(&W, FUTEX_WAKE_PRIVATE, 2147483647) -> b3; }
    b3: { r = call futex(&W2, FUTEX_WAKE_PRIVATE, 2147483647) -> b4; }
    b4: { i = 0; goto head; }
    head: { switch i < n { true => go, false => done } }
    go: { t = load.i64 &TIDS + i * 8; call join(t) -> next; }
    next: { i = i + 1; goto head; }
    done: { return; }
}

fn main() -> i64 {
    let gone: ptr;
    let r: i64;
    let ns: i64;
    let ts: i64;""")
blocks = []
b = blocks.append
n = 0
def nxt():
    global n
    n += 1
    return f"s{n}"
cur = "bb0"
b(f"    bb0: {{ store.u32 &W, 5; gone = call malloc(4096) -> f0; }}")
b(f"    f0: {{ call free(gone) -> {nxt()}; }}")
cur = f"s{n}"
def fact(label, u, op, val, t, u2, v3):
    global cur
    a = nxt(); c = nxt()
    b(f'    {cur}: {{ print "{label}: "; r = call futex({u}, {op}, {val}, {t}, {u2}, {v3}) -> {a}; }}')
    b(f'    {a}: {{ call show(r) -> {c}; }}')
    cur = c
for f in facts:
    if f[1] is None:
        if f[0] == "NOW":
            a = nxt()
            b(f"    {cur}: {{ r = call clock_gettime(CLOCK_MONOTONIC, &NOW) -> {a}; }}")
            cur = a
        else:
            a = nxt()
            b(f"    {cur}: {{ ns = call ts_ns(&NOW) -> {a}; }}")
            c = nxt()
            b(f"    {a}: {{ call ts_set(&SOON, ns + 1000000) -> {c}; }}")
            cur = c
        continue
    fact(*f)
b(f"    {cur}: {{ store.u32 &W, 0; store.u32 &W2, 0; goto {nxt()}; }}")
cur = f"s{n}"
for t in threaded:
    if t[0] == "start":
        _, k, op, bs = t
        stores = "".join(f" store.u32 &BITSETS + {i*4}, {bs[i] if bs else 'FUTEX_BITSET_MATCH_ANY'};" for i in range(k))
        a = nxt()
        b(f"    {cur}: {{ store.i64 &OP, {op};{stores} call start({k}) -> {a}; }}")
        cur = a
    elif t[0] == "P":
        fact(*t[1:])
    elif t[0] == "woken":
        a = nxt()
        b(f'    {cur}: {{ print "{t[1]}: woken "; call woken() -> {a}; }}')
        cur = a
    elif t[0] == "finish":
        a = nxt()
        b(f"    {cur}: {{ call finish({t[1]}) -> {a}; }}")
        cur = a
    elif t[0] == "returns":
        b(f'    {cur}: {{ r = load.i64 &RETS; ns = load.i64 &RETS + 8; ts = load.i64 &RETS + 16; println "waiter returns: {{}} {{}} {{}}", r, ns, ts; goto {nxt()}; }}')
        cur = f"s{n}"
b(f"    {cur}: {{ return 0; }}")
o("\n".join(blocks))
o("}")
open("programs/futex/probe.mir", "w").write("\n".join(out) + "\n")
