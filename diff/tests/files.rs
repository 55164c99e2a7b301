//! Hand-written scenarios of files and sizes: `/dev/null` and a regular file (a fresh directory
//! on the kernel's side, Spindle's in-memory file system), `lseek`, `fstat`'s mode and size for
//! every kind of fd, `epoll_ctl` refusing files, pipe sizes, socket options and `FIONREAD`.

mod common;

use spindle_diff::scenario::lx::*;
use spindle_diff::scenario::Path;
use spindle_diff::Fd;

// /dev/null reads 0 bytes and takes every write; it cannot seek anywhere but stays at 0; epoll
// refuses it; poll finds it readable and writable.
scenario!(dev_null, |s| {
    let n = s.open(Path::DevNull, O_RDWR);
    s.write(n, 100);
    s.read(n, 100);
    s.lseek(n, 10, SEEK_SET);
    s.lseek(n, -5, SEEK_CUR);
    s.fstat(n);
    s.fionread(n); // ENOTTY
    s.getfl(n);
    let ep = s.epoll_create1(0);
    s.epoll_ctl(ep, EPOLL_CTL_ADD, n, EPOLLIN, 1); // EPERM
    s.poll(&[(n, 0xffff)]);
    let ro = s.open(Path::DevNull, 0);
    s.write(ro, 1); // EBADF
    s.getpipe_sz(n);
});

// A regular file: created, written, sought, read back, truncated; its size in fstat; a file
// opened read-only is not writable; FIONREAD counts the bytes past the offset.
scenario!(regular_file, |s| {
    s.open(Path::File, O_RDONLY); // ENOENT: not created yet
    let f = s.open(Path::File, O_RDWR | O_CREAT | O_EXCL);
    s.open(Path::File, O_RDWR | O_CREAT | O_EXCL); // EEXIST
    s.write(f, 5000);
    s.fstat(f);
    s.fionread(f);
    s.lseek(f, 100, SEEK_SET);
    s.fionread(f);
    s.read(f, 50);
    s.lseek(f, 0, SEEK_CUR);
    s.lseek(f, -10, SEEK_END);
    s.read(f, 100);
    s.lseek(f, -1, SEEK_SET); // EINVAL
    s.lseek(f, 0, 7); // EINVAL
    s.lseek(f, 10000, SEEK_SET);
    s.write(f, 3);
    s.fstat(f);
    let ep = s.epoll_create1(0);
    s.epoll_ctl(ep, EPOLL_CTL_ADD, f, EPOLLIN, 1); // EPERM
    s.poll(&[(f, 0xffff)]);
    s.select(BASE_PLUS_8, Some(1), Some(1), Some(1));
    let ro = s.open(Path::File, O_RDONLY | O_TRUNC);
    s.fstat(ro);
    s.write(ro, 1); // EBADF
    let ap = s.open(Path::File, O_WRONLY | O_APPEND);
    s.write(ap, 7);
    s.lseek(ap, 0, SEEK_CUR);
    s.read(ap, 1); // EBADF
    s.getfl(ap);
    s.fionbio(f, 1);
    s.getfl(f);
});

/// `select`'s nfds covering base+0 … base+4.
const BASE_PLUS_8: i32 = 8;

// fstat's mode of every kind (pipes FIFO 0600, sockets 0777, anonymous inodes 0600 with no
// type) and lseek on each (ESPIPE on pipes and sockets, 0 on the others).
scenario!(fstat_and_lseek_of_every_kind, |s| {
    let (r, w) = s.pipe();
    s.write(w, 10);
    s.fstat(r);
    s.fstat(w);
    s.lseek(r, 0, SEEK_CUR);
    let (a, _b) = s.socketpair(SOCK_STREAM);
    s.fstat(a);
    s.lseek(a, 0, SEEK_SET);
    let e = s.eventfd(3, 0);
    s.fstat(e);
    s.lseek(e, 5, SEEK_SET);
    let ep = s.epoll_create1(0);
    s.fstat(ep);
    s.lseek(ep, 0, SEEK_END);
    s.fstat(Fd::Rel(40)); // EBADF
    s.lseek(Fd::Abs(-1), 0, SEEK_SET);
});

// F_SETPIPE_SZ: rounding up to a power-of-two number of pages, EBUSY below the queued data,
// the limit, an argument read as an unsigned int; sockets and eventfds are not pipes.
scenario!(pipe_sizes, |s| {
    let (r, w) = s.pipe2(O_NONBLOCK);
    s.getpipe_sz(w);
    s.setpipe_sz(r, 5000);
    s.getpipe_sz(w);
    s.setpipe_sz(w, 0);
    s.getpipe_sz(r);
    s.write(w, 4096);
    s.write(w, 1); // one page: full
    s.setpipe_sz(w, 1 << 20);
    s.write(w, 100000);
    s.setpipe_sz(r, 4096); // EBUSY: the data holds more pages
    s.setpipe_sz(r, (1 << 20) + 1); // EPERM past pipe-max-size
    s.setpipe_sz(r, 1 << 31);
    s.setpipe_sz(r, (1 << 32) | 8192);
    s.getpipe_sz(r);
    s.fionread(r);
    s.fionread(w);
    let (a, _b) = s.socketpair(SOCK_STREAM);
    s.setpipe_sz(a, 8192); // EBADF
    let e = s.eventfd(0, 0);
    s.setpipe_sz(e, 8192);
});

// Socket options: SO_TYPE, SO_ERROR, the buffer sizes (doubled, clamped), short and bad
// lengths, other levels, unknown options, non-sockets; FIONREAD counts unread bytes.
scenario!(socket_options, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.getsockopt(a, SOL_SOCKET, SO_TYPE, 4);
    s.getsockopt(a, SOL_SOCKET, SO_ERROR, 4);
    s.getsockopt(a, SOL_SOCKET, SO_SNDBUF, 4);
    s.getsockopt(a, SOL_SOCKET, SO_RCVBUF, 8);
    s.getsockopt(a, SOL_SOCKET, SO_SNDBUF, 2);
    s.getsockopt(a, SOL_SOCKET, SO_SNDBUF, 0);
    s.getsockopt(a, SOL_SOCKET, SO_SNDBUF, -1);
    s.getsockopt(a, 0, SO_TYPE, 4); // EOPNOTSUPP
    s.getsockopt(a, SOL_SOCKET, 1000, 4); // ENOPROTOOPT
    s.setsockopt(a, SOL_SOCKET, SO_SNDBUF, 1, 4); // at least 4608
    s.getsockopt(a, SOL_SOCKET, SO_SNDBUF, 4);
    s.send(a, 100000, 0);
    s.fionread(b);
    s.setsockopt(a, SOL_SOCKET, SO_SNDBUF, 100000, 4);
    s.getsockopt(a, SOL_SOCKET, SO_SNDBUF, 4);
    s.setsockopt(a, SOL_SOCKET, SO_RCVBUF, 1 << 30, 4); // clamped to rmem_max
    s.getsockopt(a, SOL_SOCKET, SO_RCVBUF, 4);
    s.setsockopt(a, SOL_SOCKET, SO_RCVBUF, -1, 4);
    s.getsockopt(a, SOL_SOCKET, SO_RCVBUF, 4);
    s.setsockopt(a, SOL_SOCKET, SO_SNDBUF, 5000, 2); // EINVAL
    s.setsockopt(a, SOL_SOCKET, SO_TYPE, 1, 4); // ENOPROTOOPT
    s.setsockopt(a, 0, SO_SNDBUF, 5000, 4);
    let (r, _w) = s.pipe();
    s.getsockopt(r, SOL_SOCKET, SO_TYPE, 4); // ENOTSOCK
    s.setsockopt(r, SOL_SOCKET, SO_SNDBUF, 5000, 4);
    s.getsockopt(Fd::Rel(50), SOL_SOCKET, SO_TYPE, 4); // EBADF
    s.fionread(Fd::Rel(50));
});

// SO_ERROR reports ECONNRESET once: the peer closed with our data unread.
scenario!(so_error_after_a_reset, |s| {
    let (a, b) = s.socketpair(SOCK_STREAM | SOCK_NONBLOCK);
    s.send(a, 10, 0);
    s.close(b);
    s.poll(&[(a, 0xffff)]);
    s.getsockopt(a, SOL_SOCKET, SO_ERROR, 4);
    s.getsockopt(a, SOL_SOCKET, SO_ERROR, 4);
});

// Found by the fuzzer: access mode 3 opens a file for neither reading nor writing, so a read or
// a write is EBADF before the buffer is looked at (a NULL one included), as on the wrong end of
// a pipe.
scenario!(access_mode_3_is_neither_readable_nor_writable, |s| {
    let n = s.open(Path::DevNull, 3);
    s.write_null(n, 2);
    s.read_null(n, 2);
    s.write(n, 2);
    s.getfl(n);
    let f = s.open(Path::File, 3 | O_CREAT);
    s.write(f, 2);
    s.read(f, 2);
    s.fstat(f);
});

// Found by the fuzzer: /dev/null takes a write without reading the buffer, so a NULL one is no
// fault (a read of it returns 0 without writing); an unknown whence is EINVAL before a pipe's or
// a socket's ESPIPE.
scenario!(dev_null_never_reads_the_buffer_and_whence_comes_first, |s| {
    let n = s.open(Path::DevNull, O_WRONLY);
    s.write_null(n, 2);
    let rw = s.open(Path::DevNull, O_RDWR);
    s.read_null(rw, 2);
    s.write_null(rw, 100000);
    let (r, w) = s.pipe2(O_NONBLOCK);
    s.lseek(r, 0, 5);
    s.lseek(w, 0, -1);
    s.lseek(r, 0, SEEK_CUR);
    let (a, _b) = s.socketpair(SOCK_STREAM);
    s.lseek(a, 0, 100);
    s.lseek(n, 0, 5);
});
