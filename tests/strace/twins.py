#!/usr/bin/env python3
"""Writes the C twin (tests/strace/NAME.c) and the guest twin (programs/strace/NAME.mir) of
each call list below, for tests/strace.rs: one list, two programs that make the same calls.

Usage: python3 tests/strace/twins.py   (from the repository root; rewrites both files)

A line of a list is one of:
  x = call(args)      a call whose result goes into the variable x (an int)
  call(args)          a call whose result is dropped
  x = at(arr, i)      the i-th int of array arr (the fds pipe and socketpair store)
  ev(name, events, data)      struct epoll_event fields
  ts(name, sec, nsec)         struct timespec (name[2] longs)
  its(name, isec, insec, vsec, vnsec)  struct itimerspec (name[4] longs)
  u64(name, value)            an 8-byte value (a sigset_t, an eventfd counter)
  pfd(name, i, fd, events)    entry i of an array of struct pollfd
Arguments are written once for both: numbers, constants, variables, &name, NULL, BAD (an
address that is never mapped, 0x10), a string "…" (C string literal syntax; \\x escapes),
with | and unary -.
"""
import re, sys, os

BUFFERS = {  # name: (C declaration, guest declaration)
    'buf': ('char buf[64];', 'let buf: [u8; 64];'),
    'fds': ('int fds[2];', 'let fds: [i32; 2];'),
    'sv': ('int sv[2];', 'let sv: [i32; 2];'),
    'ev': ('struct epoll_event ev;', 'let ev: [u8; 12];'),
    'out': ('struct epoll_event out[8];', 'let out: [u8; 96];'),
    'ts': ('long ts[2];', 'let ts: [i64; 2];'),
    'rem': ('long rem[2];', 'let rem: [i64; 2];'),
    'it': ('long it[4];', 'let it: [i64; 4];'),
    'old': ('long old[4];', 'let old: [i64; 4];'),
    'mask': ('unsigned long mask;', 'let mask: [u64; 1];'),
    'one': ('unsigned long one;', 'let one: [u64; 1];'),
}

# Buffers only some lists use (declared in those twins alone, so that the others stay as they are).
EXTRA_BUFFERS = {
    'pfd': ('struct pollfd pfd[2];', 'let pfd: [u8; 16];'),
}

# C spellings of the guest's calls (glibc wrappers with the same names, except these).
C_NAME = {'nanosleep': 'nanosleep', 'usleep': 'usleep', 'exit': 'exit'}

EVERY_CALL = r'''
# eventfd2: valid, mixed, unknown bits, all bits, an unsigned initval
e = eventfd(0, EFD_SEMAPHORE|EFD_NONBLOCK)
eventfd(0, 2)
eventfd(0, EFD_CLOEXEC|2)
eventfd(0, -1)
x = eventfd(-1, EFD_CLOEXEC)
close(x)
# pipe and pipe2: NULL and bad arrays, valid, mixed and unknown flags
pipe(NULL)
pipe2(NULL, 0)
pipe2(NULL, 1)
pipe2(BAD, O_NONBLOCK)
pipe2(&fds, O_NONBLOCK|O_CREAT)
pipe2(&fds, -1)
pipe2(&fds, 0x40000000)
pipe2(&fds, O_NONBLOCK|O_CLOEXEC)
p0 = at(fds, 0)
p1 = at(fds, 1)
# read and write: NULL, bad, empty, cut, too long, wrong fd
write(p1, NULL, 0)
write(p1, NULL, 4)
write(p1, BAD, 4)
write(p1, "", 0)
write(p1, "0123456789abcdef0123456789abcdef", 32)
write(p1, "0123456789abcdef0123456789abcdef!", 33)
write(p1, "\x01\x02\x03tab\there\n", 12)
read(p0, NULL, 0)
read(p0, &buf, 0)
read(p0, NULL, 4)
read(p0, BAD, 4)
read(p0, &buf, 64)
read(p0, &buf, 64)
read(p0, &buf, -1)
write(p1, &buf, -1)
read(e, &buf, 4)
read(-1, &buf, 4)
write(e, NULL, 8)
write(e, &buf, 4)
# dup, dup2, dup3
dup(-1)
dup(99)
x = dup(e)
close(x)
dup2(e, e)
dup2(-1, 20)
dup3(e, 20, O_CLOEXEC)
dup3(e, 21, O_NONBLOCK)
dup3(e, 21, 1)
dup3(e, 21, O_CLOEXEC|O_NONBLOCK|4)
dup3(e, e, O_CLOEXEC)
dup3(e, 21, -1)
close(20)
close(-1)
close(99)
# fcntl: every kind of argument, results with flags, unknown commands
fcntl(e, F_GETFD)
fcntl(e, F_SETFD, FD_CLOEXEC|2)
fcntl(e, F_GETFD)
fcntl(e, F_SETFD, 6)
fcntl(e, F_SETFD, 0)
fcntl(e, F_GETFL)
fcntl(p0, F_GETFL)
fcntl(p1, F_SETFL, O_WRONLY|O_NONBLOCK|4)
fcntl(p1, F_GETFL)
fcntl(p1, F_SETFL, O_NONBLOCK)
fcntl(e, 99, 0)
fcntl(e, -1, 5)
x = fcntl(e, F_DUPFD, 30)
close(x)
fcntl(e, F_DUPFD_CLOEXEC, -1)
fcntl(p0, F_GETPIPE_SZ)
fcntl(e, F_GETPIPE_SZ)
# socketpair, sendto, recvfrom, shutdown
socketpair(AF_UNIX, SOCK_STREAM, 0, NULL)
socketpair(AF_UNIX, SOCK_STREAM, 0, BAD)
socketpair(AF_UNIX, 9, 0, &sv)
socketpair(AF_UNIX, 0, 0, &sv)
socketpair(AF_UNIX, SOCK_DGRAM|0x4d0, 0, &sv)
socketpair(AF_UNIX, -1, 0, &sv)
socketpair(1234, SOCK_STREAM, 0, &sv)
socketpair(-1, SOCK_STREAM, 0, &sv)
socketpair(AF_INET, SOCK_STREAM, 0, &sv)
socketpair(AF_UNIX, SOCK_STREAM, 5, &sv)
socketpair(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0, &sv)
s0 = at(sv, 0)
s1 = at(sv, 1)
send(s0, "hi", 2, MSG_DONTWAIT|MSG_NOSIGNAL)
send(s0, "there", 5, 0)
send(s0, NULL, 2, 0)
send(s0, BAD, 2, MSG_DONTWAIT)
send(e, "hi", 2, 0)
recv(s1, &buf, 64, MSG_PEEK)
recv(s1, NULL, 4, 0)
recv(s1, BAD, 4, MSG_DONTWAIT)
recv(s1, &buf, 64, MSG_DONTWAIT)
recv(s1, &buf, 64, MSG_DONTWAIT)
recv(e, &buf, 64, 0)
shutdown(s0, 7)
shutdown(s0, -1)
shutdown(e, SHUT_RD)
shutdown(s0, SHUT_WR)
# epoll_create, epoll_create1, epoll_ctl
epoll_create(0)
epoll_create(-1)
x = epoll_create(1)
close(x)
epoll_create1(O_NONBLOCK)
epoll_create1(EPOLL_CLOEXEC|1)
ep = epoll_create1(0)
ev(ev, EPOLLIN|EPOLLET|0x800, 42)
epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev)
epoll_ctl(ep, 0, e, &ev)
epoll_ctl(ep, 99, e, &ev)
epoll_ctl(ep, -1, e, &ev)
epoll_ctl(ep, EPOLL_CTL_MOD, e, NULL)
epoll_ctl(ep, EPOLL_CTL_MOD, e, BAD)
ev(ev, 0x800, -1)
epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev)
ev(ev, EPOLLIN, -1)
epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev)
ev(ev, -1, 7)
epoll_ctl(ep, EPOLL_CTL_ADD, p0, &ev)
epoll_ctl(ep, EPOLL_CTL_DEL, e, BAD)
epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev)
ev(ev, EPOLLIN|EPOLLOUT, 5)
epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev)
# epoll_wait, epoll_pwait, epoll_pwait2: nothing ready, then one event
epoll_wait(ep, NULL, 1, 0)
epoll_wait(ep, BAD, 1, 0)
epoll_wait(ep, &out, 8, 0)
epoll_wait(ep, &out, 0, 0)
epoll_wait(ep, &out, -1, 0)
epoll_wait(-1, &out, 1, 0)
epoll_wait(e, &out, 1, 0)
u64(one, 1)
write(e, &one, 8)
epoll_wait(ep, NULL, 1, 0)
epoll_wait(ep, BAD, 1, 0)
epoll_wait(ep, &out, 8, 0)
epoll_pwait(ep, &out, 8, 0, NULL)
u64(mask, 0)
epoll_pwait(ep, &out, 8, 0, &mask)
u64(mask, 0x4002)
epoll_pwait(ep, &out, 8, 0, &mask)
u64(mask, -1)
epoll_pwait(ep, &out, 8, 0, &mask)
u64(mask, -257)
epoll_pwait(ep, &out, 8, 0, &mask)
u64(mask, 0x600000000)
epoll_pwait(ep, &out, 8, 0, &mask)
u64(mask, 0xffffffff)
epoll_pwait(ep, &out, 8, 0, &mask)
u64(mask, 0x1ffffffff)
epoll_pwait(ep, &out, 8, 0, &mask)
epoll_pwait(ep, &out, 8, 0, BAD)
epoll_pwait(ep, NULL, 8, 0, NULL)
epoll_pwait2(ep, &out, 8, NULL, NULL)
ts(ts, 0, 0)
epoll_pwait2(ep, &out, 8, &ts, &mask)
ts(ts, 0, 1000000000)
epoll_pwait2(ep, &out, 8, &ts, NULL)
epoll_pwait2(ep, &out, 8, BAD, NULL)
# timerfd_create, timerfd_settime, timerfd_gettime
t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK|TFD_CLOEXEC)
timerfd_create(CLOCK_MONOTONIC, TFD_TIMER_ABSTIME)
timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK|4)
timerfd_create(CLOCK_MONOTONIC, -1)
timerfd_create(1234, 0)
timerfd_create(-1, 0)
timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0)
its(it, 0, 0, 0, 0)
timerfd_settime(t, 0, &it, NULL)
timerfd_settime(t, TFD_TIMER_ABSTIME, &it, &old)
timerfd_settime(t, TFD_NONBLOCK, &it, NULL)
timerfd_settime(t, 4, &it, NULL)
timerfd_settime(t, TFD_TIMER_ABSTIME|8, &it, NULL)
timerfd_settime(t, 0, NULL, NULL)
timerfd_settime(t, 0, BAD, NULL)
timerfd_settime(t, 0, &it, BAD)
timerfd_settime(e, 0, &it, NULL)
timerfd_settime(-1, 0, &it, NULL)
its(it, 0, 0, 0, 1000000000)
timerfd_settime(t, 0, &it, NULL)
its(it, 0, 0, -1, 0)
timerfd_settime(t, 0, &it, NULL)
timerfd_gettime(t, &old)
timerfd_gettime(t, NULL)
timerfd_gettime(t, BAD)
timerfd_gettime(e, &old)
# sleeps and yields
ts(ts, 0, 1000)
nanosleep(&ts, NULL)
nanosleep(&ts, &rem)
ts(ts, 0, 1000000000)
nanosleep(&ts, NULL)
ts(ts, -1, 0)
nanosleep(&ts, NULL)
nanosleep(NULL, NULL)
nanosleep(BAD, NULL)
usleep(1)
usleep(0)
sched_yield()
close(ep)
close(t)
'''

def parse(spec):
    for line in spec.strip().splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith('#'):
            yield ('comment', line[1:].strip())
            continue
        m = re.match(r'(?:(\w+) = )?(\w+)\((.*)\)$', line)
        var, name, args = m.groups()
        yield ('stmt', var, name, split_args(args))

def split_args(s):
    out, depth, cur, q = [], 0, '', False
    for i, ch in enumerate(s):
        if ch == '"' and (i == 0 or s[i - 1] != '\\'):
            q = not q
        if ch == ',' and not q:
            out.append(cur.strip()); cur = ''
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out

def c_arg(a):
    if a == 'BAD':
        return '(void *)0x10'
    if a.startswith('&'):
        return f'(void *){a}'
    if re.fullmatch(r'-?\d+', a) and int(a) < 0:
        return f'({a}L)'
    return a

def mir_str(a):
    # The guest language's string literals take the same escapes as C's for these.
    return a

def mir_arg(a):
    if a == 'BAD':
        return '16'
    if a == 'NULL':
        return 'null'
    return a

def num(v):
    return v

FD_LINKS = r'''
# -y: what each kind of fd names, as an argument and as a result
n = open("/dev/null", O_RDONLY)
z = openat(AT_FDCWD, "/dev/zero", O_RDONLY)
openat(n, "x", O_RDONLY)
pipe2(&fds, 0)
p0 = at(fds, 0)
p1 = at(fds, 1)
socketpair(AF_UNIX, SOCK_STREAM, 0, &sv)
s0 = at(sv, 0)
s1 = at(sv, 1)
e = eventfd(0, 0)
ep = epoll_create1(0)
ep2 = epoll_create(4)
t = timerfd_create(CLOCK_MONOTONIC, 0)
ev(ev, EPOLLIN, 7)
epoll_ctl(ep, EPOLL_CTL_ADD, p0, &ev)
epoll_ctl(ep, EPOLL_CTL_ADD, s0, &ev)
epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev)
epoll_wait(ep, &out, 8, 0)
write(p1, "x", 1)
write(s1, "y", 1)
epoll_wait(ep, &out, 8, 0)
pfd(pfd, 0, p0, POLLIN)
pfd(pfd, 1, s0, POLLIN|POLLOUT)
poll(&pfd, 2, 0)
pfd(pfd, 1, -1, POLLIN)
poll(&pfd, 2, 0)
# dup2 onto an open fd: the argument is what it named, the result what it names now
d = dup(p1)
dup2(e, d)
dup3(t, 30, O_CLOEXEC)
fcntl(n, F_DUPFD, 40)
fcntl(n, F_DUPFD_CLOEXEC, 41)
fcntl(z, F_GETFL)
read(p0, &buf, 8)
read(z, &buf, 4)
ioctl(s0, FIONREAD, &one)
lseek(n, 0, SEEK_SET)
lseek(p0, 0, SEEK_SET)
timerfd_gettime(t, &old)
close(d)
close(30)
close(40)
close(41)
close(99)
close(-1)
write(1, "", 0)
write(2, "", 0)
shutdown(s0, SHUT_WR)
close(ep2)
close(ep)
'''

FUTEX_SOCKOPT_IOCTL = r'''
# futex: every operation Spindle serves, and unknown ones, with the arguments strace shows for each
u64(one, 0)
futex(&one, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)
futex(&one, FUTEX_WAKE, -1, 7, &buf, 9)
futex(&one, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0)
ts(ts, 0, 1000)
futex(&one, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0)
futex(&one, FUTEX_WAIT, 0, BAD, NULL, 0)
futex(&one, FUTEX_WAIT_BITSET_PRIVATE, 1, NULL, NULL, -1)
futex(&one, FUTEX_WAIT_BITSET, 1, NULL, NULL, 0)
futex(&one, FUTEX_WAIT_BITSET, 1, NULL, NULL, 1)
futex(&one, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, -1)
futex(&one, FUTEX_WAKE_BITSET, 1, NULL, NULL, 7)
futex(&one, FUTEX_REQUEUE_PRIVATE, 1, 2, &buf, 0)
futex(&one, FUTEX_REQUEUE, 1, 0x100000003, &buf, 0)
futex(&one, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, &buf, 0)
futex(&one, FUTEX_CMP_REQUEUE, 1, 2, &buf, 5)
futex(&one, 0x101, 1, NULL, NULL, 0)
futex(&one, 99, 1, 2, &buf, 7)
futex(&one, -1, -1, NULL, NULL, 0)
# setsockopt and getsockopt: every level's names (a Unix socket refuses all but SOL_SOCKET)
socketpair(AF_UNIX, SOCK_STREAM, 0, &sv)
s0 = at(sv, 0)
u64(one, 1)
u64(mask, 4)
setsockopt(s0, 6, 1, &one, 4)
setsockopt(s0, 6, 0, &one, 4)
setsockopt(s0, 0, 1, &one, 4)
setsockopt(s0, 41, 26, &one, 4)
setsockopt(s0, 0, 35, &one, 4)
setsockopt(s0, 58, 1, &one, 4)
setsockopt(s0, 270, 1, &one, 4)
setsockopt(s0, 284, 1, &one, 4)
setsockopt(s0, 1000, 1, &one, 4)
setsockopt(s0, SOL_SOCKET, SO_SNDBUF, &one, 4)
setsockopt(s0, SOL_SOCKET, 999, &one, 4)
setsockopt(s0, SOL_SOCKET, SO_TYPE, NULL, 4)
getsockopt(s0, SOL_SOCKET, SO_TYPE, &one, &mask)
getsockopt(s0, 6, 1, &one, &mask)
getsockopt(s0, SOL_SOCKET, 999, &one, &mask)
getsockopt(s0, SOL_SOCKET, SO_TYPE, NULL, &mask)
getsockopt(s0, SOL_SOCKET, SO_TYPE, &one, NULL)
# ioctl: the argument as each request has it
ioctl(s0, FIONREAD, &one)
ioctl(s0, FIONREAD, NULL)
ioctl(99, FIONREAD, &one)
ioctl(s0, FIONBIO, &one)
ioctl(99, FIONBIO, &one)
ioctl(s0, 0x5451, 0)
ioctl(s0, 0x5450, 0)
pipe2(&fds, 0)
p0 = at(fds, 0)
ioctl(p0, 0x1234, &one)
ioctl(p0, 0x1234, 0)
ioctl(p0, 0x1234, -1)
ioctl(p0, FIONREAD, &one)
'''

def render(name, spec, extra=(), includes=(), about=None, prelude=(), trace_also=None):
    vars_ = []
    ints = set()
    cl, ml = [], []
    for item in parse(spec):
        if item[0] == 'comment':
            cl.append(f'    /* {item[1]} */')
            ml.append(('comment', item[1]))
            continue
        _, var, call, args = item
        if var and var not in vars_:
            vars_.append(var)
        if call == 'at':
            arr, i = args
            cl.append(f'    {var} = {arr}[{i}];')
            ints.add(var)
            ml.append(('plain', f'{var} = load.i32 &{arr} + {4 * int(i)};'))
        elif call == 'ev':
            n, events, data = args
            cl.append(f'    {n}.events = (uint32_t)({c_arg(events)}); {n}.data.u64 = (uint64_t)({c_arg(data)});')
            ml.append(('plain', f'store.u32 &{n}, ({events}) as u32; store.u64 &{n} + 4, ({data}) as u64;'))
        elif call == 'ts':
            n, s, ns = args
            cl.append(f'    {n}[0] = {c_arg(s)}; {n}[1] = {c_arg(ns)};')
            ml.append(('plain', f'store.i64 &{n}, {s}; store.i64 &{n} + 8, {ns};'))
        elif call == 'its':
            n = args[0]
            cl.append('    ' + ' '.join(f'{n}[{k}] = {c_arg(v)};' for k, v in enumerate(args[1:])))
            ml.append(('plain', ' '.join(f'store.i64 &{n} + {8 * k}, {v};' for k, v in enumerate(args[1:]))))
        elif call == 'u64':
            n, v = args
            cl.append(f'    {n} = (unsigned long)({c_arg(v)});')
            ml.append(('plain', f'store.u64 &{n}, ({v}) as u64;'))
        elif call == 'pfd':
            n, i, fd, events = args
            cl.append(f'    {n}[{i}].fd = {c_arg(fd)}; {n}[{i}].events = {c_arg(events)}; {n}[{i}].revents = 0;')
            o = 8 * int(i)
            ml.append(('plain', f'store.i32 &{n} + {o}, ({fd}) as i32; store.u16 &{n} + {o + 4}, ({events}) as u16; store.u16 &{n} + {o + 6}, 0 as u16;'))
        else:
            lhs = f'{var} = ' if var else ''
            cl.append(f'    {lhs}{C_NAME.get(call, call)}({", ".join(c_arg(a) for a in args)});')
            ml.append(('call', var or 'r', f'call {call}({", ".join(mir_arg(a) for a in args)})'))
    c = [f'/* Generated by tests/strace/twins.py (the guest twin: programs/strace/{name}.mir). */',
         *([f'/* strace -e trace also: {trace_also} */'] if trace_also else []),
         '#define _GNU_SOURCE', '#include <fcntl.h>', '#include <sched.h>', '#include <stdint.h>',
         '#include <sys/epoll.h>', '#include <sys/eventfd.h>', '#include <sys/socket.h>',
         '#include <sys/timerfd.h>', '#include <time.h>', '#include <unistd.h>', *includes, *prelude,
         'int main(void) {']
    buffers = dict(BUFFERS, **{k: EXTRA_BUFFERS[k] for k in extra})
    for n, (cd, _) in buffers.items():
        c.append(f'    {cd}')
    c.append('    int ' + ', '.join(vars_ + ['r']) + ';')
    c.append('    (void)r;')
    c += cl
    c += ['    return 0;', '}', '']
    about = about or ['every call', '// of docs/syscalls.md that is a system call, with valid, invalid and mixed flags and values,',
                      '// NULL and unmapped pointers, empty and cut buffers. tests/strace.rs compares its trace with',
                      '// `strace -f` of the C twin line by line.']
    m = [f'// Generated by tests/strace/twins.py (the strace twin: tests/strace/{name}.c): {about[0]}', *about[1:],
         '// expect: exit 0', 'fn main() -> i64 {']
    for n, (_, md) in buffers.items():
        m.append(f'    {md}')
    for v in vars_ + ['r']:
        m.append(f'    let {v}: {"i32" if v in ints else "i64"};')
    k = 0
    pending = []
    body = []
    for item in ml:
        if item[0] == 'comment':
            body.append(f'    // {item[1]}')
        elif item[0] == 'plain':
            pending.append(item[1])
        else:
            _, var, text = item
            pre = ' '.join(pending)
            pending = []
            body.append(f'    bb{k}: {{ {pre + " " if pre else ""}{var} = {text} -> bb{k + 1}; }}')
            k += 1
    body.append(f'    bb{k}: {{ {" ".join(pending) + " " if pending else ""}return 0; }}')
    m += body + ['}', '']
    return '\n'.join(c), '\n'.join(m)

if __name__ == '__main__':
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    fd_links = dict(extra=['pfd'], includes=['#include <poll.h>', '#include <sys/ioctl.h>'],
                    about=['a file', '// descriptor of every kind, as an argument and as a result: tests/strace.rs compares',
                           '// its trace under `-y` with `strace -f -y` of the C twin line by line.'])
    futex_etc = dict(includes=['#include <linux/futex.h>', '#include <sys/ioctl.h>', '#include <sys/syscall.h>'],
                     prelude=['static long futex(void *uaddr, long op, long val, long timeout, void *uaddr2, long val3) {',
                              '    return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);', '}'],
                     trace_also='futex,setsockopt,getsockopt',
                     about=['futex,', '// setsockopt, getsockopt and ioctl with the arguments strace shows for each operation, level',
                            '// and request. tests/strace.rs compares its trace with `strace -f` of the C twin line by line.'])
    for name, spec, opts in [('every_call', EVERY_CALL, {}), ('fd_links', FD_LINKS, fd_links),
                             ('futex_sockopt_ioctl', FUTEX_SOCKOPT_IOCTL, futex_etc)]:
        c, m = render(name, spec, **opts)
        open(os.path.join(root, 'tests/strace', name + '.c'), 'w').write(c)
        open(os.path.join(root, 'programs/strace', name + '.mir'), 'w').write(m)
