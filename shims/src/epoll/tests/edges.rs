//! Which file operations are edges (probe `edges.c`), driven through the integration table of
//! the module docs: each fact checks both the core and the table's rule for the operation.

use super::harness::*;
use super::recorded::check;
use spindle_fds::{IoError, Shutdown};

fn fact(f: &str, actual: impl AsRef<str>) {
    check("edges", f, actual);
}

fn errname(r: Result<usize, IoError>) -> String {
    match r {
        Ok(n) => n.to_string(),
        Err(IoError::WouldBlock) => "EAGAIN".into(),
        Err(IoError::InvalidArgument) => "EINVAL".into(),
        Err(e) => format!("{e:?}"),
    }
}

#[test]
fn eventfd_every_successful_read_and_write_is_an_edge_failures_are_not() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(1);
    w.add(ep, e, IN | OUT | ET, "efd");
    w.w(ep);
    w.efd_write(e, 1).unwrap();
    fact("eventfd IN|OUT, readable, write 1 (still readable)", w.w(ep));
    w.efd_write(e, 0).unwrap();
    fact("eventfd IN|OUT, readable, write 0", w.w(ep));
    w.efd_read(e);
    fact("eventfd IN|OUT, read (counter 2 -> 0)", w.w(ep));
    w.efd_write(e, 0).unwrap();
    fact("eventfd IN|OUT, counter 0, write 0", w.w(ep));
    fact("eventfd read on counter 0", errname(w.read(e, 8)));
    fact("eventfd IN|OUT, after a failed read (EAGAIN)", w.w(ep));
    fact("eventfd write of 7 bytes", errname(w.write(e, b"1234567")));
    fact("eventfd IN|OUT, after a failed write (EINVAL)", w.w(ep));
}

#[test]
fn eventfd_wakeups_are_filtered_by_their_key() {
    let mut w = World::new();
    let ep = w.epoll();
    let e = w.efd(0);
    w.add(ep, e, OUT | ET, "efd_out");
    w.w(ep);
    w.efd_write(e, 1).unwrap();
    fact("eventfd OUT only, write 1 (wakeup key IN)", w.w(ep));
    w.efd_write(e, 0).unwrap();
    fact("eventfd OUT only, write 0 (wakeup key IN)", w.w(ep));
    w.efd_read(e);
    fact("eventfd OUT only, read (wakeup key OUT)", w.w(ep));

    let ep = w.epoll();
    let e = w.efd(0);
    w.efd_write(e, 0xffff_ffff_ffff_fffe).unwrap();
    w.add(ep, e, IN | ET, "efd_in");
    w.w(ep);
    fact("eventfd at its maximum, write 1", errname(w.efd_write(e, 1)));
    fact("eventfd IN only, after a failed write (EAGAIN)", w.w(ep));
    w.efd_read(e);
    fact("eventfd IN only, read (wakeup key OUT, not readable now)", w.w(ep));
    w.efd_write(e, 1).unwrap();
    w.w(ep);
    w.efd_read(e);
    w.efd_write(e, 1).unwrap();
    fact("eventfd IN only, read then write", w.w(ep));
}

#[test]
fn pipe_every_write_is_an_edge_and_reads_wake_the_writer_only_from_full() {
    let mut w = World::new();
    let ep = w.epoll();
    let p = w.pipe();
    w.add(ep, p[0], IN | ET, "r");
    w.add(ep, p[1], OUT | ET, "w");
    fact("pipe registered", w.w(ep));
    w.write(p[1], b"a").unwrap();
    fact("pipe write 1 byte into an empty pipe", w.w(ep));
    w.write(p[1], b"b").unwrap();
    fact("pipe write 1 byte while already readable", w.w(ep));
    fact("pipe write 0 bytes", errname(w.write(p[1], b"")));
    fact("pipe after a 0-byte write", w.w(ep));
    w.read(p[0], 1).unwrap();
    fact("pipe read 1 of 2 bytes (not full before)", w.w(ep));
    w.read(p[0], 1).unwrap();
    fact("pipe read the last byte (not full before)", w.w(ep));
    fact("pipe read 0 bytes", errname(w.read(p[0], 0)));
    fact("pipe after a 0-byte read", w.w(ep));
    fact("pipe read on empty", errname(w.read(p[0], 1)));
    fact("pipe after a failed read (EAGAIN)", w.w(ep));
    let mut n = 0;
    while w.write(p[1], &[b'x'; 4096]) == Ok(4096) {
        n += 1;
    }
    fact(&format!("pipe filled with {n} page writes"), w.w(ep));
    fact("pipe write on full", errname(w.write(p[1], b"x")));
    fact("pipe after a failed write (EAGAIN)", w.w(ep));
    w.read(p[0], 1).unwrap();
    fact("pipe full, read 1 byte (no slot freed)", w.w(ep));
    w.read(p[0], 4095).unwrap();
    fact("pipe full, read the rest of the first slot (slot freed)", w.w(ep));
    w.read(p[0], 4096).unwrap();
    fact("pipe no longer full, read a whole slot", w.w(ep));
    while w.write(p[1], &[b'x'; 4096]) == Ok(4096) {}
    w.w(ep);
    w.read(p[0], 8192).unwrap();
    fact("pipe full, one read of two slots", w.w(ep));
    w.close(p[1]);
    fact("pipe write end closed (data still buffered)", w.w(ep));

    let ep = w.epoll();
    let p = w.pipe();
    w.add(ep, p[1], OUT | ET, "w");
    w.w(ep);
    w.close(p[0]);
    fact("pipe write end, read end closed", w.w(ep));

    let ep = w.epoll();
    let p = w.pipe();
    w.add(ep, p[0], IN | ET, "r");
    let d = w.dup(p[1]);
    w.close(p[1]);
    fact("pipe read end, one of two write fds closed", w.w(ep));
    w.close(d);
    fact("pipe read end, last write fd closed, empty", w.w(ep));
}

#[test]
fn socket_data_and_space_wakeups_and_hangups() {
    let mut w = World::new();
    let ep = w.epoll();
    let sv = w.sock();
    w.add(ep, sv[1], OUT | ET, "s1_out");
    w.w(ep);
    w.write(sv[0], b"abc").unwrap();
    fact("socket OUT only, peer writes (wakeup key IN|PRI|RDNORM|RDBAND)", w.w(ep));
    fact("socket peer writes 0 bytes", errname(w.write(sv[0], b"")));
    fact("socket OUT only, after a 0-byte write by the peer", w.w(ep));
    let ep = w.epoll();
    w.add(ep, sv[1], IN | ET, "s1_in");
    w.w(ep);
    fact("socket 0-byte write", errname(w.write(sv[0], b"")));
    fact("socket IN, readable, after a 0-byte write by the peer", w.w(ep));
    w.write(sv[0], b"d").unwrap();
    fact("socket IN, readable, peer writes 1 byte", w.w(ep));
    let ep = w.epoll();
    w.add(ep, sv[0], OUT | ET, "s0_out");
    w.w(ep);
    w.read(sv[1], 2).unwrap();
    fact("socket OUT, peer reads part of our 3-byte write", w.w(ep));
    w.read(sv[1], 1).unwrap();
    fact("socket OUT, peer reads the rest of it", w.w(ep));
    w.write(sv[0], b"ab").unwrap();
    w.write(sv[0], b"cd").unwrap();
    w.w(ep);
    w.read(sv[1], 4).unwrap();
    fact("socket OUT, peer reads two of our writes at once", w.w(ep));
}

#[test]
fn a_full_socket_gives_out_edges_again_once_writable() {
    let mut w = World::new();
    let ep = w.epoll();
    let sv = w.sock();
    w.add(ep, sv[0], OUT | ET, "s0_out");
    w.w(ep);
    let mut n = 0;
    while w.write(sv[0], b"x") == Ok(1) {
        n += 1;
    }
    fact(&format!("socket filled with {n} one-byte writes"), w.w(ep));
    let mut reads = 0;
    let mut r = "[]".to_string();
    while reads < n {
        w.read(sv[1], 1).unwrap();
        reads += 1;
        r = w.w(ep);
        if r != "[]" {
            break;
        }
    }
    fact(&format!("socket full: first OUT edge after {reads} one-byte reads"), r);
    w.read(sv[1], 1).unwrap();
    fact("socket writable again, one more read", w.w(ep));
}

#[test]
fn shutdown_and_close_wake_every_interest_whatever_its_mask() {
    let mut w = World::new();
    let ep = w.epoll();
    let sv = w.sock();
    w.add(ep, sv[0], OUT | ET, "s0_out");
    w.add(ep, sv[1], OUT | ET, "s1_out");
    w.w(ep);
    w.shutdown(sv[0], Shutdown::Read);
    fact("socket OUT only both ends, shutdown(s0, SHUT_RD)", w.w(ep));
    w.shutdown(sv[0], Shutdown::Write);
    fact("socket OUT only both ends, shutdown(s0, SHUT_WR)", w.w(ep));
    let ep = w.epoll();
    let sv = w.sock();
    w.add(ep, sv[1], OUT | ET, "s1_out");
    w.w(ep);
    w.close(sv[0]);
    fact("socket OUT only, peer closed", w.w(ep));
}
