//! The hand-written suite: one scenario per behaviour the fd layer implements, run against the
//! kernel and against Spindle. Each must produce identical records; a mismatch prints the
//! scenario with both records side by side. Quoted facts are the lines of `fds/probes/output/`
//! the scenario replays.

mod common;

use spindle_diff::scenario::lx::*;
use spindle_diff::{check, Fd, Op, Scenario, Src};

const NB: u32 = O_NONBLOCK;
const MAX: u64 = 0xffff_ffff_ffff_fffe;

fn write_op(fd: Fd, len: u32) -> Op {
    Op::Write { fd, len, src: Src::Pattern }
}

// ---- regressions: mismatches the fuzzer found, fixed -----------------------------------------

scenario!(null_read_pending_reset, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.write(a, 3);
    s.close(b);
    s.read_null(a, 100); // the pending ECONNRESET, not 0
});

scenario!(null_write_to_full_pipe, |s| {
    let (_r, w) = s.pipe2(O_NONBLOCK);
    s.write(w, 65536);
    s.write_null(w, 2); // EAGAIN: the pipe is full before anything is copied
});

// Found by the long fuzz profile (2026-11-28, seed 20261128): a full pipe whose last slot can take
// the write's leading `len % 4096` bytes merges them first, and faults copying them.
scenario!(null_write_merging_into_full_pipe, |s| {
    let (_r, w) = s.pipe2(O_NONBLOCK);
    s.write(w, 65535);
    s.write_null(w, 4097); // EFAULT: 1 byte merges into the last page first
    s.write_null(w, 4096); // EAGAIN: nothing to merge, and no free slot
    s.write_null(w, 2); // EAGAIN: 2 bytes do not fit the last page's 1 free byte
    s.write(w, 4097); // 1: the merge, then the pipe is full
});

scenario!(null_write_to_nearly_full_socket, |s| {
    let (_a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.write(b, 65535);
    s.write_null(b, 2); // EFAULT: the socket still has room, so the copy faults
});

scenario!(null_buffer_on_epoll_fd, |s| {
    let ep = s.epoll_create1(0);
    s.write_null(ep, 2); // EINVAL before the buffer is looked at
    s.read_null(ep, 2);
});

scenario!(epoll_err_cleared_by_reset_read, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    let ep = s.epoll_create1(0);
    s.epoll_ctl(ep, EPOLL_CTL_ADD, a, 0, 0);
    s.write(a, 2);
    s.close(b);
    s.read(a, 2); // ECONNRESET, which clears the error
    s.epoll_wait(ep, 64); // EPOLLHUP only
});

// ---- eventfd (fds/probes/eventfd.c) ---------------------------------------------------------

scenario!(eventfd_read_write, |s| {
    let e = s.eventfd(0, EFD_NONBLOCK);
    s.read(e, 8); // "read counter=0 nonblock: EAGAIN"
    s.write_u64(e, 0); // "write 0: 8"
    s.read(e, 8);
    s.write_u64(e, 1);
    s.write_u64(e, 41);
    s.read(e, 9); // "read len=9 counter=1: 8 value=1"
    s.read(e, 8);
    s.read(e, 16);
});

scenario!(eventfd_bad_lengths, |s| {
    let e = s.eventfd(7, EFD_NONBLOCK);
    s.read(e, 0); // "read len=0: EINVAL"
    s.read(e, 7); // "read len=7: EINVAL"
    s.read(e, 1);
    for len in [0, 1, 7, 9, 16] {
        s.write_u64_len(e, 1, len); // "write len=0/7/9: EINVAL"
    }
    s.read(e, 9);
    s.read(e, 100);
    s.write(e, 8); // pattern bytes as a counter value
    s.read(e, 8);
});

scenario!(eventfd_counter_limit, |s| {
    let e = s.eventfd(0, EFD_NONBLOCK);
    s.write_u64(e, u64::MAX); // "write 0xffffffffffffffff: EINVAL"
    s.write_u64(e, MAX); // "write 0xfffffffffffffffe (max) on 0: 8"
    s.write_u64(e, 0); // "write 0 at max: 8"
    s.write_u64(e, 1); // "write 1 at max: EAGAIN"
    s.read(e, 8); // "read at max: 8 value=18446744073709551614"
    s.write_u64(e, 5);
    s.write_u64(e, 0xffff_ffff_ffff_fffa); // "(5+that = max+1): EAGAIN"
    s.write_u64(e, 0xffff_ffff_ffff_fff9); // "(5+that = max): 8"
    s.read(e, 8);
    s.read(e, 8);
});

scenario!(eventfd_semaphore, |s| {
    let e = s.eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    for _ in 0..4 {
        s.read(e, 8); // "semaphore(3) read #1..#3: 8 value=1", "#4: EAGAIN"
    }
    s.write_u64(e, MAX); // "semaphore write 0xfffffffffffffffe: 8"
    s.read(e, 8); // "semaphore read at max: 8 value=1"
    s.write_u64(e, 1);
    s.write_u64(e, 2);
    s.read(e, 8);
});

scenario!(eventfd_initval_is_unsigned_int, |s| {
    let a = s.eventfd(0xffff_ffff, EFD_NONBLOCK); // "eventfd(0xffffffff, 0) initval u32::MAX: 3"
    s.read(a, 8); // "initval u32::MAX read: 8 value=4294967295"
    let b = s.eventfd((1 << 32) | 5, EFD_NONBLOCK);
    s.read(b, 8);
    let c = s.eventfd(u64::MAX, EFD_NONBLOCK);
    s.read(c, 8);
});

scenario!(eventfd_flags, |s| {
    s.eventfd(0, 4); // "eventfd(0, 0x4) unknown flag: EINVAL"
    s.eventfd(0, 0x8000_0000);
    s.eventfd(0, O_APPEND);
    let e = s.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s.getfl(e); // "getfl eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK): O_RDWR|O_NONBLOCK (0x802)"
    s.getfd(e); // "getfd eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK): 1"
    let f = s.eventfd(10, 0);
    s.getfl(f); // "getfl eventfd(10, 0): O_RDWR (0x2)"
    s.getfd(f);
    let g = s.eventfd(1, EFD_SEMAPHORE | EFD_CLOEXEC);
    s.getfl(g);
    s.getfd(g);
});

scenario!(eventfd_setfl, |s| {
    let e = s.eventfd(0, 0);
    s.read(e, 8); // blocking: would block
    s.setfl(e, O_NONBLOCK); // "setfl O_NONBLOCK: 0 -> O_RDWR|O_NONBLOCK (0x802)"
    s.getfl(e);
    s.read(e, 8); // "read counter=0 after setfl O_NONBLOCK: EAGAIN"
    s.setfl(e, O_APPEND); // "setfl O_APPEND: 0 -> O_RDWR|O_APPEND (0x402)"
    s.getfl(e);
    s.setfl(e, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_NONBLOCK);
    s.getfl(e); // "-> O_RDWR|O_NONBLOCK (0x802)"
    s.setfl(e, O_LARGEFILE | O_CLOEXEC | O_DSYNC);
    s.getfl(e);
    s.setfl(e, 0); // "setfl 0: 0 -> O_RDWR (0x2)"
    s.getfl(e);
});

scenario!(eventfd_null_buffers, |s| {
    let e = s.eventfd(5, EFD_NONBLOCK);
    s.read_null(e, 8); // the counter is consumed, then the copy faults
    s.read(e, 8);
    s.write_null(e, 8);
    s.write_null(e, 0);
    s.write_null(e, 7);
    s.read_null(e, 8); // nothing to read: EAGAIN before the copy
    s.read_null(e, 4);
});

// ---- pipes (fds/probes/pipe.c) --------------------------------------------------------------

scenario!(pipe_basic, |s| {
    let (r, w) = s.pipe2(NB);
    s.read(r, 10); // "read empty nonblock: EAGAIN"
    s.write(w, 0); // "write len=0: 0"
    s.write(w, 3); // "write abc: 3"
    s.write(w, 2); // "write de: 2"
    s.read(r, 4); // "read 4 of abc+de: 4 'abcd'"
    s.read(r, 8); // "read 8 of remaining: 1 'e'"
    s.read(r, 0);
});

scenario!(pipe_capacity_pages, |s| {
    let (r, w) = s.pipe2(NB);
    s.getpipe_sz(w); // "pipe F_GETPIPE_SZ: 65536"
    s.getpipe_sz(r);
    s.repeat(16, write_op(w, 4096)); // "capacity 4096-byte writes: 65536 bytes in 16 calls"
    s.write(w, 1);
    s.read(r, 1); // "read 1 from full pipe: 1"
    s.write(w, 1); // "write 1 after reading 1 byte of a full pipe: EAGAIN"
    s.read(r, 4095); // "read 4095 more (first slot drained): 4095"
    s.write(w, 4096); // "write 4096 after draining one slot: 4096"
    s.write(w, 1); // "write 1 after refilling: EAGAIN"
    s.read(r, 70000);
    s.read(r, 1);
});

scenario!(pipe_single_writes, |s| {
    let (r, w) = s.pipe2(NB);
    s.write(w, 65536); // "single write 65536 on empty: 65536"
    s.read(r, 65536);
    s.write(w, 100000); // "single write 100000 on empty (partial): 65536"
    s.write(w, 1); // "next write 1: EAGAIN"
    s.read(r, MAX_READ);
    s.write(w, 1);
    s.write(w, 65536); // "after 1 byte, single write 65536: 61440"
    s.read(r, MAX_READ);
});

const MAX_READ: u32 = 300_000;

scenario!(pipe_merging_small_writes, |s| {
    let (r, w) = s.pipe2(NB);
    s.repeat(16, write_op(w, 4095)); // "4095-byte writes: 65520 bytes in 16 calls"
    s.write(w, 2); // "then write 2: EAGAIN"
    s.write(w, 1); // "then write 1: 1"
    s.write(w, 1); // "then write 1 again: EAGAIN"
    s.read(r, MAX_READ);
    s.repeat(16, write_op(w, 4000)); // "4000-byte writes: 64000 bytes in 16 calls"
    s.write(w, 97); // "then write 97: EAGAIN"
    s.write(w, 96); // "then write 96: 96"
    s.write(w, 1); // "then write 1: EAGAIN"
    s.read(r, MAX_READ);
});

scenario!(pipe_pipe_buf_atomicity, |s| {
    let (r, w) = s.pipe2(NB);
    s.repeat(15, write_op(w, 4096));
    s.write(w, 4000);
    s.write(w, 200); // "16 slots (last 4000) then write 200 (atomic): EAGAIN"
    s.write(w, 5000); // "then write 5000 (not atomic): EAGAIN"
    s.write(w, 96);
    s.read(r, MAX_READ);
    s.repeat(15, write_op(w, 4096));
    s.write(w, 4097); // "15 full slots then write 4097: 4096"
    s.read(r, MAX_READ);
    s.repeat(14, write_op(w, 4096));
    s.write(w, 100);
    s.write(w, 8193); // "14 full slots + 100-byte slot then write 8193: 4097"
    s.read(r, MAX_READ);
});

scenario!(pipe_only_last_slot_merges, |s| {
    let (r, w) = s.pipe2(NB);
    s.write(w, 5000); // "write 5000 on empty: 5000"
    s.repeat(14, write_op(w, 4096)); // "then 4096-byte writes: 57344 bytes in 14 calls"
    s.write(w, 3192); // "then write 3192 (fits the 904-byte slot): EAGAIN"
    s.write(w, 1); // "then write 1: EAGAIN"
    s.read(r, MAX_READ);
    s.write(w, 10);
    s.read(r, 5);
    s.write(w, 4091); // "write 10, read 5, write 4091 (merge limit is offset+len<=4096): 4091"
    s.write(w, 1); // "then write 1 (merges into the second slot): 1"
    s.repeat(15, write_op(w, 4096)); // "then 4096-byte writes: 14 calls (2 slots were in use)"
    s.read(r, MAX_READ);
    s.write(w, 10);
    s.read(r, 10);
    s.repeat(17, write_op(w, 4096)); // "write 10, read 10 (slot freed), then 4096-byte writes: 65536"
    s.read(r, MAX_READ);
});

scenario!(pipe_eof_after_writer_closes, |s| {
    let (r, w) = s.pipe2(NB);
    s.write(w, 2);
    s.close(w);
    s.read(r, 1); // "read 1: 1"
    s.read(r, 10); // "read 10: 1"
    s.read(r, 10); // "read after EOF: 0"
    s.read(r, 0);
    s.write(w, 1); // the write end is closed: EBADF
});

scenario!(pipe_epipe_after_reader_closes, |s| {
    let (r, w) = s.pipe2(NB);
    s.write(w, 3);
    s.close(r);
    s.write(w, 1); // "write 1 with reader closed: EPIPE"
    s.write(w, 0); // "write 0 with reader closed: 0"
    s.write_null(w, 10); // EPIPE before the buffer is looked at
    let (r2, w2) = s.pipe2(NB);
    s.repeat(16, write_op(w2, 4096));
    s.close(r2);
    s.write(w2, 1); // "write 1 with reader closed and full: EPIPE"
    s.send(w2, 1, 0); // not a socket
});

scenario!(pipe_wrong_direction, |s| {
    let (r, w) = s.pipe2(NB);
    s.write(r, 1); // "write on read end: EBADF"
    s.write(r, 0); // "write len=0 on read end: EBADF"
    s.read(w, 1); // "read on write end: EBADF"
    s.read(w, 0); // "read len=0 on write end: EBADF"
    s.write_null(r, 5);
    s.read_null(w, 5);
    s.close(w);
    s.read(w, 1);
});

scenario!(pipe_status_flags, |s| {
    let (r, w) = s.pipe();
    s.getfl(r); // "getfl pipe() read end: O_RDONLY (0x0)"
    s.getfl(w); // "getfl pipe() write end: O_WRONLY (0x1)"
    s.getfd(r); // "getfd pipe(): 0 0"
    s.getfd(w);
    s.setfl(r, O_NONBLOCK); // "setfl read end O_NONBLOCK: 0 -> O_RDONLY|O_NONBLOCK (0x800)"
    s.getfl(r);
    s.getfl(w); // "getfl write end after setfl on read end: O_WRONLY (0x1)"
    s.setfl(r, O_APPEND); // "-> O_RDONLY|O_APPEND (0x400)"
    s.getfl(r);
    s.setfl(r, O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_NONBLOCK); // "-> O_RDONLY|O_NONBLOCK"
    s.getfl(r);
    s.setfl(w, O_APPEND | O_NONBLOCK);
    s.write(w, 3); // O_APPEND changes nothing on a pipe
    s.read(r, 10);
});

scenario!(pipe2_flags, |s| {
    let (r, w) = s.pipe2(O_NONBLOCK | O_CLOEXEC);
    s.getfl(r); // "getfl pipe2(O_NONBLOCK|O_CLOEXEC): O_RDONLY|O_NONBLOCK (0x800) O_WRONLY|O_NONBLOCK (0x801)"
    s.getfl(w);
    s.getfd(r); // "getfd pipe2(O_NONBLOCK|O_CLOEXEC): 1 1"
    s.getfd(w);
    s.pipe2(1);
    s.pipe2(O_APPEND);
    s.pipe2(O_RDWR | O_NONBLOCK);
    s.pipe2(0x8000_0000);
    let (r2, w2) = s.pipe2(O_CLOEXEC);
    s.getfl(r2);
    s.getfd(w2);
});

scenario!(pipe_blocking_data_operations, |s| {
    // Blocking pipes: each data operation runs with O_NONBLOCK around it; EAGAIN and short
    // writes say where the blocking call would block.
    let (r, w) = s.pipe();
    s.read(r, 10);
    s.read(r, 0); // "read len=0 on empty blocking pipe: 0"
    s.write(w, 100000);
    s.write(w, 1);
    s.read(r, 100);
    s.getfl(r);
    s.close(w);
    s.read(r, MAX_READ);
    s.read(r, 1);
});

scenario!(pipe_write_end_dup_keeps_it_open, |s| {
    let (r, w) = s.pipe2(NB);
    let d = s.dup(w);
    s.close(w);
    s.read(r, 1); // "write end closed but dup open: read=none": EAGAIN, not EOF
    s.write(d, 2);
    s.read(r, 5);
    s.close(d);
    s.read(r, 1); // "dup closed too": EOF
});

scenario!(pipe_efault, |s| {
    let (r, w) = s.pipe2(NB);
    s.read_null(r, 10); // empty: EAGAIN before the copy
    s.write_null(w, 10);
    s.write_null(w, 0);
    s.write(w, 5);
    s.read_null(r, 10); // the kernel faults and keeps the data
    s.read(r, 10);
    s.pipe2_null(NB); // EFAULT, and the numbers are free again
    let e = s.eventfd(0, NB);
    s.getfl(e);
    s.ops.push(Op::Pipe { flags: None, null: true });
});

// ---- socketpairs (fds/probes/socketpair.c) --------------------------------------------------

scenario!(socket_basic, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.read(b, 10); // "read empty nonblock: EAGAIN"
    s.recv(b, 0, 0); // "recv len=0 on empty nonblocking socket: EAGAIN"
    s.read(b, 0);
    s.write(a, 3); // "write abc: 3"
    s.write(a, 2); // "write de: 2"
    s.recv(b, 0, 0); // "recv len=0 with data: 0"
    s.recv(b, 10, MSG_PEEK); // "peek 10: 5 'abcde'"
    s.read(b, 2); // "read 2: 2 'ab'"
    s.recv(b, 2, MSG_PEEK); // "peek 2: 2 'cd'"
    s.read(b, 2); // "read 2 (across writes): 2 'cd'"
    s.read(b, 10); // "read 10: 1 'e'"
    s.send(b, 9, 0);
    s.recv(a, 9, MSG_DONTWAIT);
    s.send(b, 4, MSG_DONTWAIT | MSG_NOSIGNAL);
    s.recv(a, 2, MSG_PEEK | MSG_DONTWAIT);
    s.recv(a, 10, 0);
});

scenario!(socket_blocking, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM);
    s.getfl(a); // "getfl socketpair(SOCK_STREAM): O_RDWR (0x2) O_RDWR (0x2)"
    s.getfd(a); // "getfd socketpair(SOCK_STREAM): 0 0"
    s.read(b, 0); // "read len=0 on empty blocking socket: 0"
    s.recv(b, 0, MSG_DONTWAIT); // "recv len=0 MSG_DONTWAIT on empty socket: EAGAIN"
    s.recv(b, 0, 0);
    s.read(b, 5);
    s.write(a, 0); // "write len=0: 0"
    s.setfl(a, O_NONBLOCK); // "setfl O_NONBLOCK on s0: 0 -> O_RDWR|O_NONBLOCK (0x802); s1 O_RDWR (0x2)"
    s.getfl(a);
    s.getfl(b);
    s.setfl(a, O_APPEND); // "setfl O_APPEND on s0: 0 -> O_RDWR|O_APPEND (0x402)"
    s.getfl(a);
    let (c, _d) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
    s.getfl(c); // "getfl socketpair(SOCK_NONBLOCK|SOCK_CLOEXEC): O_RDWR|O_NONBLOCK (0x802)"
    s.getfd(c); // "getfd …: 1 1"
});

scenario!(socket_capacity_one_byte_writes, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.repeat(279, write_op(a, 1)); // "capacity 1-byte writes: 278 calls, outq=213504, then EAGAIN"
    s.read(b, 1);
    s.write(a, 1);
    s.read(b, 100);
    s.write(a, 1);
    s.write(a, 1);
    s.read(b, MAX_READ);
    s.write(a, 1);
});

scenario!(socket_capacity_large_writes, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.repeat(5, write_op(a, 65536)); // "65536-byte writes: 65536 65536 65536 36544 then EAGAIN"
    s.read(b, MAX_READ);
    s.read(b, 1);
    s.write(a, 300000); // "single write 300000: 219264"
    s.write(a, 1);
    s.read(b, 100); // a partly read skb stays charged
    s.write(a, 1);
    s.read(b, 36444);
    s.write(a, 36544);
    s.read(b, MAX_READ);
    s.write(a, 36544); // "write 36544 (one skb): 36544"
    s.read(b, 36543); // "read 36543: 36543"
    s.read(b, 1);
});

scenario!(socket_write_sizes_near_the_limit, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.write(a, 219265);
    s.read(b, MAX_READ);
    s.write(a, 219264);
    s.read(b, MAX_READ);
    s.write(a, 212992);
    s.write(a, 4097);
    s.write(a, 1);
    s.read(b, MAX_READ);
    for n in [193, 704, 705, 1728, 1729, 3776, 3777, 4288, 36545] {
        s.write(a, n);
    }
    s.repeat(30, write_op(a, 5000));
    s.read(b, MAX_READ);
});

scenario!(socket_shutdown_wr, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.write(a, 2);
    s.shutdown(a, SHUT_WR); // "shutdown(s0, SHUT_WR): 0"
    s.write(a, 1); // "s0 write: EPIPE"
    s.write(a, 0); // "s0 write len=0: EPIPE"
    s.send(a, 1, MSG_NOSIGNAL);
    s.send_null(a, 10, 0); // EPIPE before the buffer
    s.read(b, 10); // "s1 read: 2"
    s.read(b, 10); // "s1 read again: 0"
    s.write(b, 3); // "s1 write: 1"
    s.read(a, 10); // "s0 read: 3"
    s.read(a, 10); // "s0 read again: EAGAIN"
    s.shutdown(a, SHUT_WR); // "shutdown(s0, SHUT_WR) again: 0"
    s.shutdown(b, SHUT_WR); // "shutdown(s1, SHUT_WR) too: 0"
    s.read(a, 10);
    s.read(b, 10);
    s.write(b, 1);
});

scenario!(socket_shutdown_rd, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.write(b, 2);
    s.shutdown(a, SHUT_RD); // "shutdown(s0, SHUT_RD): 0"
    s.write(b, 1); // "s1 write: EPIPE"
    s.read(a, 10); // "s0 read (data queued before SHUT_RD): 2"
    s.read(a, 10); // "s0 read again: 0"
    s.recv(a, 0, 0);
    s.write(a, 1); // "s0 write: 1"
    s.read(b, 10); // "s1 read: 1"
    s.read(b, 10); // "s1 read again: EAGAIN"
});

scenario!(socket_shutdown_rd_with_full_buffer, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.repeat(5, write_op(b, 65536));
    s.shutdown(a, SHUT_RD); // "s1 filled s0 then s0 SHUT_RD"
    s.write(b, 1);
    s.read(a, MAX_READ);
    s.read(a, MAX_READ);
    s.write(b, 1);
});

scenario!(socket_shutdown_rdwr, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.shutdown(a, SHUT_RDWR); // "shutdown(s0, SHUT_RDWR): 0"
    s.read(a, 10); // "s0 read: 0"
    s.write(a, 1); // "s0 write: EPIPE"
    s.read(b, 10); // "s1 read: 0"
    s.write(b, 1); // "s1 write: EPIPE"
    s.recv(a, 0, 0);
    s.recv(b, 5, MSG_PEEK);
});

scenario!(socket_shutdown_how, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.shutdown(a, 3); // "shutdown(s0, 3) invalid how: EINVAL"
    s.shutdown(a, -1); // "shutdown(s0, -1) invalid how: EINVAL"
    s.shutdown(a, 1 << 31);
    s.shutdown(a, (1 << 32) | 1); // the kernel reads an int: SHUT_WR
    s.write(a, 1);
    s.read(b, 1);
    s.shutdown(Fd::Abs(-1), SHUT_RD);
    s.shutdown(Fd::Rel(40), SHUT_RD);
});

scenario!(socket_peer_closed, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.write(a, 3);
    s.close(a);
    s.read(b, 10); // "s1 read: 3"
    s.read(b, 10); // "s1 read again: 0"
    s.write(b, 1); // "s1 write: EPIPE"
    s.write(b, 0); // "s1 write len=0: EPIPE"
    s.send(b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    s.recv(b, 0, 0);
    s.shutdown(b, SHUT_RDWR); // "s1 shutdown(SHUT_RDWR) after peer close: 0"
    s.read(b, 1);
});

scenario!(socket_peer_closed_with_unread_data, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.write(b, 2); // unread by a
    s.write(a, 2);
    s.close(a);
    s.read(b, 10); // "s1 read: 2" (its own data)
    s.read(b, 10); // "s1 read: ECONNRESET"
    s.read(b, 10); // "s1 read: 0"
    s.write(b, 1);
});

scenario!(socket_econnreset_write_first, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.write(b, 2);
    s.close(a);
    s.write(b, 1); // "(2) … s1 write first: EPIPE"
    s.recv(b, 10, MSG_PEEK); // "(2) s1 peek: ECONNRESET"
    s.read(b, 10); // "(2) s1 read: 0"
});

scenario!(socket_econnreset_zero_length, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.write(b, 2);
    s.close(a);
    s.read(b, 0); // "(3) peer closed with unread data, s1 read len=0: 0"
    s.recv(b, 0, 0); // "(3) s1 recv len=0: ECONNRESET"
    s.recv(b, 0, 0);
    s.read(b, 5);
});

scenario!(socket_econnreset_after_shut_rd, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.write(b, 2);
    s.shutdown(a, SHUT_RD);
    s.close(a); // "(4) peer SHUT_RD then closed with unread data"
    s.read(b, 10);
    s.read(b, 10);
});

scenario!(socket_calls_on_other_fds, |s| {
    let (r, w) = s.pipe2(NB);
    let e = s.eventfd(1, NB);
    s.send(w, 1, 0); // "send on pipe: ENOTSOCK"
    s.recv(r, 1, 0); // "recv on pipe: ENOTSOCK"
    s.shutdown(r, SHUT_RD); // "shutdown on pipe: ENOTSOCK"
    s.send(e, 8, 0);
    s.recv(e, 8, 0);
    s.shutdown(e, 5);
    s.send(Fd::Abs(-1), 1, 0);
    s.recv(Fd::Rel(30), 1, 0);
    s.close(e);
    s.send(e, 1, 0);
    s.recv(e, 1, 0);
    s.shutdown(e, SHUT_WR);
});

scenario!(socketpair_arguments, |s| {
    s.socketpair_args(AF_INET, SOCK_STREAM, 0);
    s.socketpair_args(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    s.socketpair_args(AF_UNSPEC, SOCK_STREAM, 0);
    s.socketpair_args(-1, SOCK_STREAM, 0);
    s.socketpair_args(46, SOCK_STREAM, 0);
    s.socketpair_args(AF_UNIX, SOCK_STREAM | 0x100, 0);
    s.socketpair_args(AF_UNIX, 11, 0);
    s.socketpair_args(AF_UNIX, 15 | SOCK_NONBLOCK, 0);
    s.socketpair_args(AF_UNIX, 0, 0);
    s.socketpair_args(AF_UNIX, 4, 0);
    s.socketpair_args(AF_UNIX, SOCK_STREAM, 2);
    s.socketpair_args(AF_UNIX, SOCK_STREAM, -1);
    let (a, _) = s.socketpair_args(AF_UNIX, SOCK_STREAM, 1);
    s.getfl(a);
    s.socketpair_null(SOCK_STREAM);
    s.socketpair_args(AF_INET, 11, 0);
    let (c, _) = s.socketpair(SOCK_STREAM | SOCK_CLOEXEC);
    s.getfd(c);
});

scenario!(socket_null_buffers, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.send_null(a, 10, 0);
    s.send_null(a, 0, 0);
    s.recv_null(b, 10, 0); // empty: EAGAIN
    s.write(a, 5);
    s.recv_null(b, 10, 0);
    s.read_null(b, 10);
    s.recv(b, 10, 0);
    s.write_null(a, 10);
});

// ---- the fd table (fds/probes/fdtable.c) ----------------------------------------------------

scenario!(fd_numbering, |s| {
    let a = s.eventfd(0, NB); // "first new fd: 3"
    let b = s.eventfd(0, NB); // "next two: 4 5"
    let _c = s.eventfd(0, NB);
    s.close(b);
    s.eventfd(0, NB); // "after closing 4, next new fd: 4"
    s.close(a);
    s.pipe2(NB); // lowest two free numbers
    s.socketpair(SOCK_STREAM);
    s.dup(Fd::Rel(2));
});

scenario!(fd_close_errors, |s| {
    let a = s.eventfd(0, NB);
    s.close(a); // "close(4) twice: 0"
    s.close(a); // "close again: EBADF"
    s.close(Fd::Abs(-1)); // "close(-1): EBADF"
    s.close(Fd::Abs(1 << 30)); // "close(1<<30): EBADF"
    s.close(Fd::Abs(i32::MAX)); // "close(INT_MAX): EBADF"
    s.close(Fd::Abs(i32::MIN));
    s.close(Fd::Rel(20));
    s.read(a, 8);
    s.write(a, 8);
    s.getfl(a);
});

scenario!(fd_dup, |s| {
    s.dup(Fd::Abs(-1)); // "dup(-1): EBADF"
    s.dup(Fd::Rel(50)); // "dup(100 unused): EBADF"
    let a = s.eventfd(2, NB);
    let d = s.dup(a); // "dup(3): 4"
    s.read(d, 8);
    s.write_u64(a, 7);
    s.close(a);
    s.read(d, 8);
    s.dup(a);
    s.dup(d);
});

scenario!(fd_dup2, |s| {
    let a = s.eventfd(0, NB);
    s.dup2(a, a); // "dup2(3, 3) same valid: 3"
    s.dup2(Fd::Rel(60), Fd::Rel(60)); // "dup2(100, 100) same invalid: EBADF"
    s.dup2(a, Fd::Abs(-1)); // "dup2(3, -1): EBADF"
    s.dup2(Fd::Abs(-1), Fd::Rel(50)); // "dup2(-1, 50): EBADF"
    let d = s.dup2(a, Fd::Rel(50)); // "dup2(3, 50): 50"
    s.dup2(a, Fd::Abs(1 << 30)); // "dup2(3, soft limit): EBADF"
    s.dup2(a, Fd::Abs(i32::MAX));
    s.dup2(Fd::Rel(61), Fd::Abs(1 << 30)); // "dup2(100, soft limit) bad old and new: EBADF"
    s.write_u64(d, 3);
    s.read(a, 8);
    s.eventfd(0, NB); // lowest free, below 50
});

scenario!(fd_dup2_over_an_open_fd, |s| {
    let e = s.eventfd(5, NB);
    let (r, w) = s.pipe2(NB);
    s.dup2(e, w); // "dup2(eventfd, pipe write end): 9"
    s.read(r, 1); // "read on the pipe: 0 (EOF: the write end was closed by dup2)"
    s.read(w, 8); // the eventfd now
    s.getfl(w);
    let (_a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.dup2(r, b); // closes one end of the pair
    s.getfl(b);
});

scenario!(fd_dup3, |s| {
    let a = s.eventfd(0, NB);
    s.dup3(a, a, 0); // "dup3(3, 3, 0) same: EINVAL"
    s.dup3(Fd::Rel(60), Fd::Rel(60), 0); // "dup3(100, 100, 0) same invalid: EINVAL"
    s.dup3(a, Fd::Rel(51), O_NONBLOCK); // "dup3(3, 51, O_NONBLOCK): EINVAL"
    s.dup3(a, Fd::Rel(51), 1); // "dup3(3, 51, 1): EINVAL"
    s.dup3(Fd::Rel(60), Fd::Rel(51), 0); // "dup3(100, 51, 0): EBADF"
    let c = s.dup3(a, Fd::Rel(51), O_CLOEXEC); // "dup3(3, 51, O_CLOEXEC): 51"
    s.getfd(c); // "getfd(51)=1"
    s.dup2(a, c); // "dup2(3, 51) over a cloexec fd: 51"
    s.getfd(c); // "getfd(51)=0"
    s.dup3(a, Fd::Abs(-1), 0);
    s.dup3(a, Fd::Abs(1 << 30), O_CLOEXEC);
    s.dup3(a, Fd::Rel(52), 0);
    s.getfd(Fd::Rel(52));
});

scenario!(fd_fcntl_dupfd, |s| {
    let a = s.eventfd(0, NB);
    s.dupfd(a, Fd::Rel(40)); // "F_DUPFD(3, 40): 40"
    s.dupfd(a, Fd::Rel(40)); // "F_DUPFD(3, 40) again: 41"
    s.dupfd(a, Fd::Rel(0)); // "F_DUPFD(3, 0): 6" (lowest free at or above)
    s.dupfd(a, Fd::Abs(-1)); // "F_DUPFD(3, -1): EINVAL"
    s.dupfd(a, Fd::Abs(1 << 30)); // "F_DUPFD(3, soft limit): EINVAL"
    s.dupfd(a, Fd::Abs(i32::MAX));
    s.dupfd(Fd::Rel(60), Fd::Rel(0)); // "F_DUPFD(100, 0) bad fd: EBADF"
    s.dupfd(Fd::Rel(60), Fd::Abs(-1)); // EBADF before EINVAL
    let c = s.dupfd_cloexec(a, Fd::Rel(50)); // "F_DUPFD_CLOEXEC(3, 60): 60 getfd=1"
    s.getfd(c);
    s.getfd(a); // "getfd(3) original: 0"
    let d = s.dup(c); // "dup(60) of a cloexec fd: getfd=0"
    s.getfd(d);
    s.dupfd_cloexec(a, Fd::Abs(-1));
});

scenario!(fd_fcntl_fd_flags, |s| {
    let a = s.eventfd(0, NB);
    s.setfd(a, (1 << 32) | 1); // "F_SETFD(3, 1<<32 | 1): 0 getfd=0" … as the VM reads it
    s.getfd(a);
    s.setfd(a, 0xff); // "F_SETFD(3, 0xff): 0" "getfd=1"
    s.getfd(a);
    s.setfd(a, 2);
    s.getfd(a);
    s.setfd(a, 0); // "F_SETFD(3, 0): 0" "getfd=0"
    s.getfd(a);
    s.getfd(Fd::Rel(60)); // "F_GETFD(100): EBADF"
    s.getfd(Fd::Abs(-1)); // "F_GETFD(-1): EBADF"
    s.getfl(Fd::Rel(60)); // "F_GETFL(100): EBADF"
    s.setfd(Fd::Rel(60), 1);
    s.setfl(Fd::Rel(60), NB);
});

scenario!(fd_status_flags_belong_to_the_description, |s| {
    let a = s.eventfd(0, 0);
    let d = s.dupfd(a, Fd::Rel(10));
    s.setfl(a, O_NONBLOCK); // "F_SETFL(3, O_NONBLOCK): 0"
    s.getfl(d); // "getfl of its dup 60: O_RDWR|O_NONBLOCK (0x802)"
    s.read(d, 8);
    s.setfd(a, FD_CLOEXEC);
    s.getfd(d); // fd flags are per number
    s.setfl(d, 0);
    s.getfl(a);
});

scenario!(fd_fcntl_other_commands, |s| {
    let (r, w) = s.pipe2(NB);
    let e = s.eventfd(0, NB);
    let (a, _) = s.socketpair(SOCK_STREAM);
    for fd in [r, w, e, a] {
        for cmd in [-1, 12, 100, 1029, 1034, 1037, 1038] {
            s.fcntl_other(fd, cmd, 0);
        }
        s.getpipe_sz(fd);
    }
    s.fcntl_other(Fd::Abs(-1), 100, 0); // EBADF before EINVAL
    s.fcntl_other(Fd::Rel(60), 1029, 0);
    s.getpipe_sz(Fd::Rel(60));
});

scenario!(fd_numbers_of_closed_handles_are_reused, |s| {
    let (r, w) = s.pipe2(NB);
    s.close(r);
    let e = s.eventfd(9, NB); // takes r's number
    s.read(r, 8); // r's number now names the eventfd
    s.write(w, 1); // no reader left: EPIPE
    s.close(e);
    s.read(r, 8);
});

// ---- regressions: mismatches the harness found that are fixed --------------------------------

scenario!(
    /// Found by the fuzzer: a NULL buffer was EAGAIN (pipe) or EFAULT (socket) at EOF, where
    /// Linux returns 0 without copying anything.
    null_read_at_eof,
    |s| {
        let (r, w) = s.pipe2(NB);
        s.close(w);
        s.read_null(r, 100);
        let (r2, w2) = s.pipe();
        s.close(w2);
        s.read_null(r2, 100);
        let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
        s.shutdown(b, SHUT_WR);
        s.read_null(a, 100);
        s.recv_null(a, 100, MSG_PEEK);
        let (c, d) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
        s.shutdown(c, SHUT_RDWR);
        s.read_null(c, 2);
        s.close(d);
        s.recv_null(c, 100, 0);
    }
);

scenario!(
    /// Found by the fuzzer: a NULL buffer on a full socket was EFAULT; the kernel waits for room
    /// (EAGAIN when non-blocking) before it copies.
    null_write_to_full_socket,
    |s| {
        let (a, _b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
        s.send(a, 212992, 0);
        let d = s.dup(a);
        s.write_null(d, 2);
        s.send_null(a, 2, 0);
        s.send_null(a, 2, MSG_DONTWAIT);
    }
);

scenario!(
    /// Found by the fuzzer: socketpair checked the domain before the type (AF_UNSPEC with type 11
    /// is EINVAL), and answered EOPNOTSUPP for AF_INET/AF_INET6 before checking the type and
    /// protocol as `inet_create` does.
    socketpair_errno_order,
    |s| {
        s.socketpair_args(AF_UNSPEC, 11, 0);
        s.socketpair_args(AF_UNSPEC, 11 | SOCK_NONBLOCK, 0);
        s.socketpair_args(-1, 11, 0);
        s.socketpair_args(AF_INET, SOCK_NONBLOCK, 0);
        s.socketpair_args(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 1);
        s.socketpair_args(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, -1);
        s.socketpair_args(AF_INET, SOCK_STREAM, 6);
        s.socketpair_args(AF_INET6, 4, 0);
        s.socketpair_args(AF_INET6, 6, 0);
        s.socketpair_args(AF_INET6, SOCK_STREAM, 2);
        s.socketpair_args(AF_INET, 11, -1);
    }
);

// ---- divergences that scenarios pin (docs/divergences.md) ----------------------------------

scenario!(
    /// Linux raises SIGPIPE on EPIPE (fatal by default); both sides ignore it (the kernel
    /// backend's process, and the generated guest program with `signal(SIGPIPE, SIG_IGN)`), so
    /// the write fails with EPIPE on both.
    sigpipe_is_ignored,
    |s| {
        let (r, w) = s.pipe2(NB);
        s.close(r);
        s.write(w, 1);
        let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
        s.close(b);
        s.write(a, 1);
        s.send(a, 1, 0);
        s.send(a, 1, MSG_NOSIGNAL);
    }
);

// ---- the harness itself ---------------------------------------------------------------------

#[test]
fn the_host_backend_closes_everything_it_opened() {
    let mut s = Scenario::new("leak");
    let (_, w) = s.pipe2(NB);
    s.eventfd(0, 0);
    s.socketpair(SOCK_STREAM);
    s.dup2(w, Fd::Rel(60));
    s.dupfd(w, Fd::Rel(33));
    let r1 = spindle_diff::host::run(&s);
    let r2 = spindle_diff::host::run(&s);
    assert_eq!(r1, r2, "a second run sees the same fd numbers");
}

#[test]
fn a_mismatch_shows_both_records_side_by_side() {
    let mut s = Scenario::new("shown");
    let e = s.eventfd(0, NB);
    s.read(e, 8);
    let kernel = spindle_diff::host::run(&s);
    let mut spindle = kernel.clone();
    spindle.recs[1].errno = Some("EINVAL".into());
    let m = spindle_diff::Mismatch { scenario: s, kernel, spindle };
    let text = m.to_string();
    assert_eq!(m.first_diff(), 1);
    assert!(text.contains("read(h0, buf, 8)"), "{text}");
    assert!(text.contains("-1 EAGAIN") && text.contains("-1 EINVAL"), "{text}");
    assert!(text.contains("!!"), "{text}");
}

/// Every known mismatch (`spindle_diff::known`) still mismatches, and is recognised as itself.
/// When a bug is fixed this fails: remove its entry and keep its scenario here as an agreeing
/// regression scenario.
#[test]
fn known_mismatches_still_mismatch() {
    const KNOWN_TRIES: usize = 5;
    let mut problems = Vec::new();
    for k in spindle_diff::known::KNOWN {
        let s = (k.scenario)();
        // The kernel's side of a scenario with a parked thread can depend on which CPU gets
        // there first (the signalfd divergence: whether the sender takes its signal before the
        // woken poll looks again), so an agreement is believed only when every try agrees.
        let mut result = check(&s);
        for _ in 1..KNOWN_TRIES {
            if result.is_err() {
                break;
            }
            result = check(&s);
        }
        match result {
            Ok(()) => problems.push(format!("FIXED: {} (scenario `{}`) now agrees: move it to the agreeing suite", k.name, s.name)),
            Err(m) if !(k.matches)(&m) => problems.push(format!("CHANGED: {} mismatches differently than known:\n{m}", k.name)),
            Err(m) => {
                let class = spindle_diff::known::classify(&m);
                if class != Some(k.name) {
                    problems.push(format!("AMBIGUOUS: {} is classified as {class:?}:\n{m}", k.name));
                }
            }
        }
    }
    assert!(problems.is_empty(), "known mismatches changed:\n{}", problems.join("\n"));
}
