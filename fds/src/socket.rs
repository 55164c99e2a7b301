//! Connected `AF_UNIX` `SOCK_STREAM` sockets, as made by `socketpair(2)`.
//!
//! Man pages: <https://man7.org/linux/man-pages/man2/socketpair.2.html>,
//! <https://man7.org/linux/man-pages/man7/unix.7.html>,
//! <https://man7.org/linux/man-pages/man2/shutdown.2.html>,
//! <https://man7.org/linux/man-pages/man2/recv.2.html>. Every fact below was confirmed on
//! Linux 6.18 by `fds/probes/socketpair.c` (quoted as "probe: ..."), `socket_truesize.c` or
//! `blocking.c`.
//!
//! # Capacity model
//!
//! Linux limits an `AF_UNIX` stream by the *sender's* send buffer, counted in skb "truesize"
//! (payload plus allocation overhead), not by bytes and not by the receiver's `SO_RCVBUF`. This
//! module reproduces `unix_stream_sendmsg()`, `sock_alloc_send_pskb()` and `unix_poll()`:
//!
//! * `SO_SNDBUF` is 212992 (`net.core.wmem_default`; probe "SO_SNDBUF: 212992").
//! * A write is cut into skbs of at most [`SKB_MAX_PAYLOAD`] = 36544 bytes (3776 in the linear
//!   head + 32 KiB of page fragments). Each skb is charged [`skb_truesize`] to the sender; every
//!   write size from 1 to 220000 bytes was measured with `SIOCOUTQ` (`socket_truesize.c`) and
//!   matches the formula (a unit test replays the whole table).
//! * Before each skb, the sender must have charged *less than* `SO_SNDBUF`; the last skb may
//!   overshoot. Nothing fits → `EAGAIN`; something fits → a short write. Probe: 278 one-byte
//!   writes (charge 213504) then `EAGAIN`; 65536-byte writes return 65536, 65536, 65536, 36544,
//!   then `EAGAIN`; a single 300000-byte write returns 219264.
//! * An skb stays charged until the reader consumed *all* of it (probe: "read 36543: outq=37120").
//! * `EPOLLOUT` is reported only while `(charge + 1) * 4 <= SO_SNDBUF`, i.e. up to 53247 bytes of
//!   charge, although writes keep succeeding well beyond (probe: charge 53248 → not writable).
//!
//! # Shutdown and close
//!
//! Each end has a receive-shutdown and a send-shutdown bit. `shutdown(SHUT_RD)` sets our receive
//! bit *and the peer's send bit*; `SHUT_WR` sets our send bit and the peer's receive bit
//! (`unix_shutdown()` mirrors them). Closing the last reference of an end sets both bits on the
//! peer, and, if the closed end still had unread data, a pending `ECONNRESET` on the peer. See
//! [`SocketEnd::readiness`] for what each state reports.
//!
//! # Happens-before
//!
//! Each write releases its clock into the bytes it appended; a read acquires the clocks of exactly
//! the bytes it consumed, and a `MSG_PEEK` read those of the bytes it copied (information flowed
//! even though nothing was consumed). Errors, EOF and `EAGAIN` move no clock.

use crate::buffer::ClockedBytes;
use crate::error::IoError;
use crate::pipe::PAGE_SIZE;
use crate::readiness::Readiness;
use crate::FdId;
use spindle_vm::clock::VClock;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// Default `SO_SNDBUF` (and `SO_RCVBUF`) of a new `AF_UNIX` socket: `net.core.wmem_default`
/// (probe: "SO_SNDBUF: 212992").
pub const SOCKET_SNDBUF: usize = 212_992;

/// `SKB_DATA_ALIGN(sizeof(struct skb_shared_info))` on x86-64.
const SKB_SHINFO_SIZE: usize = 320;
/// `SKB_DATA_ALIGN(sizeof(struct sk_buff))` on x86-64.
const SKB_STRUCT_SIZE: usize = 256;
/// Largest linear head of an order-0 skb: `SKB_MAX_HEAD(0)` = 4096 − 320.
const SKB_MAX_HEAD: usize = PAGE_SIZE - SKB_SHINFO_SIZE;
/// `UNIX_SKB_FRAGS_SZ`: the page-fragment part of one unix skb.
const UNIX_SKB_FRAGS_SZ: usize = 32 * 1024;

/// The largest payload of one skb: 36544 bytes (`SKB_MAX_HEAD(0) + UNIX_SKB_FRAGS_SZ`, which is
/// below `SO_SNDBUF / 2 - 64`). Probe `socket_truesize.c`: writes of 36544 bytes are charged
/// 37120, writes of 36545 are charged 37120 + 768 (two skbs).
pub const SKB_MAX_PAYLOAD: usize = SKB_MAX_HEAD + UNIX_SKB_FRAGS_SZ;

/// What one skb carrying `size` payload bytes is charged to the sender's send buffer (its
/// `truesize`), for `1 <= size <= SKB_MAX_PAYLOAD`:
///
/// * payload beyond the 3776-byte head goes to page fragments, rounded up to whole pages
///   (`data_len = min(size, PAGE_ALIGN(size - 3776))`), charged page by page;
/// * the rest is the linear head, charged as the kmalloc bucket (512, 1024, 2048 or 4096) that
///   holds it (64-byte aligned) plus 320 bytes of `skb_shared_info`, plus 256 bytes of
///   `struct sk_buff`.
///
/// Probe `socket_truesize.c`: 1..=192 → 768, 193..=704 → 1280, 705..=1728 → 2304,
/// 1729..=3776 → 4352, 3777..=4288 → 4864, …, 34497..=36544 → 37120.
pub fn skb_truesize(size: usize) -> usize {
    let data_len = if size > SKB_MAX_HEAD { size.min((size - SKB_MAX_HEAD).next_multiple_of(PAGE_SIZE)) } else { 0 };
    let linear = size - data_len;
    let head = (linear.next_multiple_of(64) + SKB_SHINFO_SIZE).next_power_of_two().max(512);
    head + SKB_STRUCT_SIZE + data_len.next_multiple_of(PAGE_SIZE)
}

/// Which direction(s) `shutdown(2)` closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shutdown {
    /// `SHUT_RD`: no more receptions (the peer's writes get `EPIPE`).
    Read,
    /// `SHUT_WR`: no more transmissions (the peer reads EOF after the buffered data).
    Write,
    /// `SHUT_RDWR`: both.
    Both,
}

/// An skb in a receive queue.
#[derive(Debug, Clone, Copy)]
struct Skb {
    /// Unread payload bytes.
    len: usize,
    truesize: usize,
}

/// One end's kernel state (`struct sock`).
#[derive(Debug)]
struct EndState {
    /// Receive queue: the bytes the peer sent us, with their clocks...
    bytes: ClockedBytes,
    /// ...and the skbs they travel in (charged to the peer).
    skbs: VecDeque<Skb>,
    /// `sk_wmem_alloc`: truesize of our skbs still in the peer's receive queue.
    charge: usize,
    /// `sk_sndbuf`.
    sndbuf: usize,
    /// `sk_rcvbuf`: reported and stored; an `AF_UNIX` stream socket's receiving side is bounded
    /// by the sender's `sk_sndbuf` alone.
    rcvbuf: usize,
    rcv_shutdown: bool,
    send_shutdown: bool,
    /// `sk_err == ECONNRESET`, reported once.
    reset_pending: bool,
    open: bool,
}

impl EndState {
    fn new() -> Self {
        EndState {
            bytes: ClockedBytes::new(),
            skbs: VecDeque::new(),
            charge: 0,
            sndbuf: SOCKET_SNDBUF,
            rcvbuf: SOCKET_SNDBUF,
            rcv_shutdown: false,
            send_shutdown: false,
            reset_pending: false,
            open: true,
        }
    }
}

#[derive(Debug)]
struct PairState {
    ends: [EndState; 2],
}

/// One end of a connected stream socket pair (one open file description).
#[derive(Debug)]
pub struct SocketEnd {
    state: Rc<RefCell<PairState>>,
    side: usize,
    peer: FdId,
}

impl SocketEnd {
    /// A new connected pair; `ids` are the ids the table gives the two descriptions.
    pub(crate) fn pair(ids: [FdId; 2]) -> (SocketEnd, SocketEnd) {
        let state = Rc::new(RefCell::new(PairState { ends: [EndState::new(), EndState::new()] }));
        (SocketEnd { state: state.clone(), side: 0, peer: ids[1] }, SocketEnd { state, side: 1, peer: ids[0] })
    }

    /// The other end's description, while it exists.
    pub fn peer(&self) -> Option<FdId> {
        self.state.borrow().ends[1 - self.side].open.then_some(self.peer)
    }

    /// Unread bytes in our receive queue (`SIOCINQ`/`FIONREAD`).
    pub fn unread(&self) -> usize {
        self.state.borrow().ends[self.side].bytes.len()
    }

    /// Host bytes of our receive queue, for the fd-buffer limit.
    pub fn buffer_footprint(&self) -> usize {
        self.state.borrow().ends[self.side].bytes.footprint()
    }

    /// `SO_SNDBUF`.
    pub fn sndbuf(&self) -> usize {
        self.state.borrow().ends[self.side].sndbuf
    }

    /// `SO_RCVBUF`.
    pub fn rcvbuf(&self) -> usize {
        self.state.borrow().ends[self.side].rcvbuf
    }

    /// `setsockopt(SO_SNDBUF)` with the value the kernel stores (the shim doubles and clamps the
    /// guest's): how much of our data may be charged to the peer's receive queue, so it changes
    /// when a write must wait and when the socket is writable again.
    pub fn set_sndbuf(&mut self, bytes: usize) {
        self.state.borrow_mut().ends[self.side].sndbuf = bytes;
    }

    /// `setsockopt(SO_RCVBUF)` with the value the kernel stores.
    pub fn set_rcvbuf(&mut self, bytes: usize) {
        self.state.borrow_mut().ends[self.side].rcvbuf = bytes;
    }

    /// `getsockopt(SO_ERROR)`: the pending error (a reset), consumed.
    pub fn take_error(&mut self) -> bool {
        std::mem::take(&mut self.state.borrow_mut().ends[self.side].reset_pending)
    }

    /// What our unconsumed sent data is charged (`SIOCOUTQ`; see the capacity model).
    pub fn send_charge(&self) -> usize {
        self.state.borrow().ends[self.side].charge
    }

    /// `read(2)`: like [`SocketEnd::recv`] without flags, except that an empty `buf` returns 0
    /// at once (`sock_read_iter`; probe: "read len=0 on empty blocking socket: 0", "(3) peer
    /// closed with unread data, s1 read len=0: 0" — the pending error is not consumed).
    pub fn read(&mut self, buf: &mut [u8], acquired: &mut VClock) -> Result<usize, IoError> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.recv(buf, false, acquired)
    }

    /// `recv(2)` (`peek` = `MSG_PEEK`): copies up to `buf.len()` bytes across as many writes as
    /// are queued (probe: "peek 10: 5 'abcde'", "read 2 (across writes): 2 'cd'") and joins their
    /// clocks into `acquired`; unless peeking, consumes them.
    ///
    /// With nothing queued (and then even for an empty `buf`, unlike [`SocketEnd::read`]; probe:
    /// "recv len=0 MSG_DONTWAIT on empty socket: EAGAIN", "recv len=0 with data: 0"), in this
    /// order (`unix_stream_read_generic`):
    /// 1. a pending reset → [`IoError::ConnectionReset`], clearing it (peeking too; probe: "s1
    ///    read: ECONNRESET", "(2) s1 peek: ECONNRESET", then "s1 read: 0");
    /// 2. receive side shut down → `Ok(0)` (EOF) (probe: "s1 read again: 0" after the peer's
    ///    `SHUT_WR`; "s0 read again: 0" after its own `SHUT_RD`);
    /// 3. otherwise [`IoError::WouldBlock`].
    ///
    /// Data queued before a `SHUT_RD` stays readable (probe: "s0 read (data queued before
    /// SHUT_RD): 2").
    pub fn recv(&mut self, buf: &mut [u8], peek: bool, acquired: &mut VClock) -> Result<usize, IoError> {
        let mut s = self.state.borrow_mut();
        let (me, other) = split(&mut s.ends, self.side);
        if !me.bytes.is_empty() {
            let n = me.bytes.take(buf, acquired, peek);
            if !peek {
                let mut left = n;
                while left > 0 {
                    let skb = me.skbs.front_mut().expect("skbs hold every queued byte");
                    let k = skb.len.min(left);
                    skb.len -= k;
                    left -= k;
                    if skb.len == 0 {
                        // Only a fully consumed skb is freed and uncharged (probe: "read 36543:
                        // outq=37120", "read 1: outq=0").
                        other.charge -= skb.truesize;
                        me.skbs.pop_front();
                    }
                }
            }
            return Ok(n);
        }
        if me.reset_pending {
            me.reset_pending = false;
            return Err(IoError::ConnectionReset);
        }
        if me.rcv_shutdown {
            return Ok(0);
        }
        Err(IoError::WouldBlock)
    }

    /// `write(2)`/`send(2)`, entering the call: queues what the send buffer allows into the
    /// peer's receive queue, releasing `released` into those bytes; returns the count (possibly
    /// short).
    ///
    /// * our send side shut down (own `SHUT_WR`, peer `SHUT_RD`, peer closed) →
    ///   [`IoError::BrokenPipe`], checked first, even for an empty `data` (probe: "s0 write len=0:
    ///   EPIPE", "(2) peer closed with unread data, s1 write first: EPIPE").
    /// * empty `data` → `Ok(0)` (probe: "write len=0: 0").
    /// * charge already at or over `SO_SNDBUF` → [`IoError::WouldBlock`].
    ///
    /// A blocking writer whose write was short (or would block) blocks and then continues with
    /// [`SocketEnd::resume_write`] on the rest, as `unix_stream_sendmsg()` loops.
    pub fn write(&mut self, data: &[u8], released: &VClock) -> Result<usize, IoError> {
        if self.state.borrow().ends[self.side].send_shutdown {
            return Err(IoError::BrokenPipe);
        }
        self.send_skbs(data, released)
    }

    /// Continues a blocking write after the thread was woken (the loop inside
    /// `sock_alloc_send_pskb()`): a pending reset now comes *before* `EPIPE`, and is consumed.
    /// Probe `blocking.c`: "socket: blocked write, peer closed with our data unread:
    /// ECONNRESET", then "write: EPIPE", "read: 0"; "blocked write, peer SHUT_RD: EPIPE".
    ///
    /// If the blocked call had already sent bytes, Linux returns that count instead of the
    /// error (and the error is gone): probe "blocking write of 300000, peer closed without
    /// reading: 219264", then "read: 0". The shim, which holds the count, does that.
    pub fn resume_write(&mut self, data: &[u8], released: &VClock) -> Result<usize, IoError> {
        self.send_skbs(data, released)
    }

    fn send_skbs(&mut self, data: &[u8], released: &VClock) -> Result<usize, IoError> {
        let mut s = self.state.borrow_mut();
        let (me, other) = split(&mut s.ends, self.side);
        let max_payload = SKB_MAX_PAYLOAD.min((me.sndbuf / 2).saturating_sub(64)).max(1);
        let mut sent = 0;
        while sent < data.len() {
            let size = (data.len() - sent).min(max_payload);
            let stop = if me.reset_pending {
                me.reset_pending = false;
                Some(IoError::ConnectionReset)
            } else if me.send_shutdown {
                Some(IoError::BrokenPipe)
            } else if me.charge >= me.sndbuf {
                Some(IoError::WouldBlock)
            } else {
                None
            };
            if let Some(err) = stop {
                return if sent > 0 { Ok(sent) } else { Err(err) };
            }
            let truesize = skb_truesize(size);
            me.charge += truesize;
            other.skbs.push_back(Skb { len: size, truesize });
            other.bytes.push(&data[sent..sent + size], released);
            sent += size;
        }
        Ok(sent)
    }

    /// `shutdown(2)`. Returns `Ok` also when already shut down or when the peer is gone (probe:
    /// "shutdown(s0, SHUT_WR) again: 0", "s1 shutdown(SHUT_RDWR) after peer close: 0"). Nothing
    /// buffered is discarded.
    pub fn shutdown(&mut self, how: Shutdown) {
        let mut s = self.state.borrow_mut();
        let (me, other) = split(&mut s.ends, self.side);
        let (rd, wr) = match how {
            Shutdown::Read => (true, false),
            Shutdown::Write => (false, true),
            Shutdown::Both => (true, true),
        };
        if rd {
            me.rcv_shutdown = true;
            other.send_shutdown = true;
        }
        if wr {
            me.send_shutdown = true;
            other.rcv_shutdown = true;
        }
    }

    /// Readiness as `unix_poll()` computes it:
    ///
    /// * `error` iff a reset is pending (peer closed with unread data; probe: "peer closed with
    ///   unread data: s1=IN|OUT|RDHUP|HUP|ERR", gone once read: "after the error was read:
    ///   s1=IN|OUT|RDHUP|HUP");
    /// * `hup` iff both our receive and send sides are shut down (probe: "after s0 SHUT_RDWR:
    ///   s0=IN|OUT|RDHUP|HUP s1=IN|OUT|RDHUP|HUP"; after both ends' `SHUT_WR`; peer closed);
    /// * `read_hup` and `readable` iff our receive side is shut down (probe: "after s0 SHUT_WR:
    ///   s1=IN|OUT|RDHUP"; "after s0 SHUT_RD: s0=IN|OUT|RDHUP");
    /// * `readable` iff data is queued;
    /// * `writable` iff `(charge + 1) * 4 <= SO_SNDBUF` — whatever the shutdown state (probe:
    ///   "after s0 SHUT_WR: s0=IN|OUT" though writes get `EPIPE`; "s1 filled s0 then s0 SHUT_RD:
    ///   s1=none");
    /// * never `priority` (no `MSG_OOB`).
    pub fn readiness(&self) -> Readiness {
        let s = self.state.borrow();
        let me = &s.ends[self.side];
        Readiness {
            readable: me.rcv_shutdown || !me.bytes.is_empty(),
            writable: (me.charge + 1) * 4 <= me.sndbuf,
            read_hup: me.rcv_shutdown,
            hup: me.rcv_shutdown && me.send_shutdown,
            error: me.reset_pending,
            priority: false,
        }
    }

    /// The description is being destroyed (`unix_release_sock()`): the peer can no longer send
    /// or receive, gets a pending reset if we leave unread data behind, and its data we never
    /// read is freed (uncharging it; probe: "peer closed with unread data: ... outq(s1)=0").
    pub(crate) fn on_destroy(&mut self) {
        let mut s = self.state.borrow_mut();
        let (me, other) = split(&mut s.ends, self.side);
        me.open = false;
        if other.open {
            other.rcv_shutdown = true;
            other.send_shutdown = true;
            if !me.bytes.is_empty() {
                other.reset_pending = true;
            }
        }
        me.bytes.clear();
        me.skbs.clear();
        other.charge = 0;
    }
}

/// `(ends[side], ends[1 - side])`, both mutable.
fn split(ends: &mut [EndState; 2], side: usize) -> (&mut EndState, &mut EndState) {
    let [a, b] = ends;
    if side == 0 {
        (a, b)
    } else {
        (b, a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spindle_vm::clock::VectorIdx;

    fn pair() -> (SocketEnd, SocketEnd) {
        SocketEnd::pair([FdId(20), FdId(21)])
    }

    fn w(end: &mut SocketEnd, n: usize) -> Result<usize, IoError> {
        end.write(&vec![b'x'; n], &VClock::new())
    }

    fn r(end: &mut SocketEnd, n: usize) -> Result<usize, IoError> {
        end.read(&mut vec![0; n], &mut VClock::new())
    }

    fn read_str(end: &mut SocketEnd, n: usize, peek: bool) -> Result<String, IoError> {
        let mut buf = vec![0; n];
        let k = end.recv(&mut buf, peek, &mut VClock::new())?;
        Ok(String::from_utf8(buf[..k].to_vec()).unwrap())
    }

    fn drain(end: &mut SocketEnd) {
        while r(end, 1 << 20).is_ok_and(|n| n > 0) {}
    }

    fn clock(i: u32, t: u32) -> VClock {
        let mut c = VClock::new();
        c.set(VectorIdx(i), t);
        c
    }

    fn ready(end: &SocketEnd) -> String {
        end.readiness().to_string()
    }

    /// Every row of `probes/output/socket_truesize.txt` ("n=a..b outq=T"): a single write of any
    /// size in a..b on an empty socket is charged T (and is short where the probe says so).
    #[test]
    fn send_charge_matches_every_measured_write_size() {
        let table = include_str!("../probes/output/socket_truesize.txt");
        let mut rows = 0;
        for line in table.lines().filter(|l| l.starts_with("n=")) {
            let (range, rest) = line[2..].split_once(' ').unwrap();
            let (a, b) = range.split_once("..").unwrap();
            let outq: usize = rest.trim_start_matches("outq=").split(' ').next().unwrap().parse().unwrap();
            let partial = line.ends_with("(partial write)");
            for n in [a.parse::<usize>().unwrap(), b.parse().unwrap()] {
                let (mut s0, _s1) = pair();
                let written = w(&mut s0, n).unwrap();
                assert_eq!(s0.send_charge(), outq, "write of {n}");
                assert_eq!(written < n, partial, "write of {n} returned {written}");
            }
            rows += 1;
        }
        assert_eq!(rows, 217);
        assert!(table.contains("SO_SNDBUF: 212992"));
    }

    #[test]
    fn skb_truesize_steps() {
        for (size, truesize) in [
            (1, 768),
            (192, 768),
            (193, 1280),
            (704, 1280),
            (705, 2304),
            (1728, 2304),
            (1729, 4352),
            (3776, 4352),
            (3777, 4864),
            (7873, 8960),
            (36544, 37120),
        ] {
            assert_eq!(skb_truesize(size), truesize, "size {size}");
        }
    }

    #[test]
    fn new_pair_is_writable_both_ways() {
        let (s0, s1) = pair();
        assert_eq!(ready(&s0), "OUT");
        assert_eq!(ready(&s1), "OUT");
        assert_eq!(s0.peer(), Some(FdId(21)));
        assert_eq!(s1.peer(), Some(FdId(20)));
    }

    #[test]
    fn zero_length_reads_and_writes() {
        let (mut s0, mut s1) = pair();
        assert_eq!(r(&mut s1, 0), Ok(0));
        assert_eq!(s1.recv(&mut [], false, &mut VClock::new()), Err(IoError::WouldBlock));
        assert_eq!(w(&mut s0, 0), Ok(0));
        w(&mut s0, 1).unwrap();
        assert_eq!(s1.recv(&mut [], false, &mut VClock::new()), Ok(0));
        assert_eq!(s1.unread(), 1);
    }

    #[test]
    fn empty_socket_would_block() {
        let (mut s0, _s1) = pair();
        assert_eq!(r(&mut s0, 10), Err(IoError::WouldBlock));
    }

    #[test]
    fn reads_and_peeks_span_writes() {
        let (mut s0, mut s1) = pair();
        assert_eq!(s0.write(b"abc", &VClock::new()), Ok(3));
        assert_eq!(s0.send_charge(), 768);
        assert_eq!(s0.write(b"de", &VClock::new()), Ok(2));
        assert_eq!((s0.send_charge(), s1.unread()), (1536, 5));
        assert_eq!(ready(&s0), "OUT");
        assert_eq!(ready(&s1), "IN|OUT");
        assert_eq!(read_str(&mut s1, 10, true).unwrap(), "abcde");
        assert_eq!(read_str(&mut s1, 2, false).unwrap(), "ab");
        assert_eq!(s0.send_charge(), 1536);
        assert_eq!(read_str(&mut s1, 2, true).unwrap(), "cd");
        assert_eq!(read_str(&mut s1, 2, false).unwrap(), "cd");
        assert_eq!(s0.send_charge(), 768);
        assert_eq!(read_str(&mut s1, 10, false).unwrap(), "e");
        assert_eq!(s0.send_charge(), 0);
        assert_eq!(ready(&s1), "OUT");
    }

    #[test]
    fn a_partly_read_skb_stays_charged() {
        let (mut s0, mut s1) = pair();
        assert_eq!(w(&mut s0, 36544), Ok(36544));
        assert_eq!(s0.send_charge(), 37120);
        assert_eq!(r(&mut s1, 36543), Ok(36543));
        assert_eq!(s0.send_charge(), 37120);
        assert_eq!(r(&mut s1, 1), Ok(1));
        assert_eq!(s0.send_charge(), 0);
    }

    #[test]
    fn capacity_with_1_byte_writes_is_278_writes() {
        let (mut s0, s1) = pair();
        let mut calls = 0;
        let (mut last_writable, mut first_unwritable) = (None, None);
        loop {
            match w(&mut s0, 1) {
                Ok(1) => calls += 1,
                Err(e) => {
                    assert_eq!(e, IoError::WouldBlock);
                    break;
                }
                Ok(n) => panic!("short 1-byte write {n}"),
            }
            if s0.readiness().writable {
                last_writable = Some(s0.send_charge());
            } else if first_unwritable.is_none() {
                first_unwritable = Some(s0.send_charge());
            }
        }
        assert_eq!((calls, s0.send_charge()), (278, 213504));
        assert_eq!((last_writable, first_unwritable), (Some(52992), Some(53760)));
        assert_eq!(ready(&s0), "none");
        assert_eq!(ready(&s1), "IN|OUT");
    }

    #[test]
    fn writable_iff_charge_plus_one_times_four_fits_sndbuf() {
        let (mut s0, mut s1) = pair();
        for _ in 0..66 {
            w(&mut s0, 1).unwrap();
        }
        w(&mut s0, 193).unwrap();
        assert_eq!((s0.send_charge(), ready(&s0)), (51968, "OUT".to_string()));
        w(&mut s0, 193).unwrap();
        assert_eq!((s0.send_charge(), ready(&s0)), (53248, "none".to_string()));
        r(&mut s1, 1).unwrap();
        assert_eq!((s0.send_charge(), ready(&s0)), (52480, "OUT".to_string()));
    }

    /// A thread blocked writing a full socket is retried when the socket's readiness changes;
    /// Linux wakes it only when it turns writable (`unix_write_space`), although a fresh write
    /// succeeds as soon as one skb is freed (probe `blocking.c`: "10 skbs freed (outq=205824 <
    /// SO_SNDBUF), blocked writer done: 0", "got through after 209 skbs were freed").
    #[test]
    fn a_blocked_writer_sees_no_readiness_change_until_the_quarter_threshold() {
        let (mut s0, mut s1) = pair();
        while w(&mut s1, 1).is_ok() {}
        let mut freed = 0;
        while ready(&s1) == "none" {
            r(&mut s0, 1).unwrap();
            freed += 1;
            if freed == 10 {
                assert_eq!(s1.send_charge(), 205824);
            }
        }
        assert_eq!((freed, ready(&s1)), (209, "OUT".to_string()));
        let (mut s0, mut s1) = pair();
        while w(&mut s1, 1).is_ok() {}
        r(&mut s0, 1).unwrap();
        assert_eq!(w(&mut s1, 1), Ok(1), "a fresh write fits as soon as the charge is below SO_SNDBUF");
    }

    #[test]
    fn capacity_with_64k_writes_and_a_partial_write() {
        let (mut s0, mut s1) = pair();
        let mut results = vec![];
        let err = loop {
            match w(&mut s0, 65536) {
                Ok(n) => results.push(n),
                Err(e) => break e,
            }
        };
        assert_eq!(results, [65536, 65536, 65536, 36544]);
        assert_eq!(err, IoError::WouldBlock);
        assert_eq!(s0.send_charge(), 238336);
        assert_eq!(ready(&s0), "none");
        drain(&mut s1);
        assert_eq!((ready(&s0), s0.send_charge()), ("OUT".to_string(), 0));

        let (mut s0, _s1) = pair();
        assert_eq!(w(&mut s0, 300000), Ok(219264));
        assert_eq!(s0.send_charge(), 222720);
    }

    #[test]
    fn shut_wr_gives_epipe_here_and_eof_there() {
        let (mut s0, mut s1) = pair();
        w(&mut s1, 2).unwrap();
        w(&mut s0, 2).unwrap();
        s0.shutdown(Shutdown::Write);
        assert_eq!(ready(&s0), "IN|OUT");
        assert_eq!(ready(&s1), "IN|OUT|RDHUP");
        assert_eq!(w(&mut s0, 1), Err(IoError::BrokenPipe));
        assert_eq!(w(&mut s0, 0), Err(IoError::BrokenPipe));
        assert_eq!(r(&mut s1, 10), Ok(2));
        assert_eq!(r(&mut s1, 10), Ok(0));
        assert_eq!(w(&mut s1, 1), Ok(1));
        assert_eq!(r(&mut s0, 10), Ok(3));
        assert_eq!(r(&mut s0, 10), Err(IoError::WouldBlock));
        s0.shutdown(Shutdown::Write);
        s1.shutdown(Shutdown::Write);
        assert_eq!(ready(&s0), "IN|OUT|RDHUP|HUP");
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP");
    }

    #[test]
    fn shut_rd_keeps_queued_data_and_breaks_the_peers_writes() {
        let (mut s0, mut s1) = pair();
        w(&mut s1, 2).unwrap();
        s0.shutdown(Shutdown::Read);
        assert_eq!(ready(&s0), "IN|OUT|RDHUP");
        assert_eq!(ready(&s1), "OUT");
        assert_eq!(w(&mut s1, 1), Err(IoError::BrokenPipe));
        assert_eq!(r(&mut s0, 10), Ok(2));
        assert_eq!(r(&mut s0, 10), Ok(0));
        assert_eq!(ready(&s0), "IN|OUT|RDHUP");
        assert_eq!(w(&mut s0, 1), Ok(1));
        assert_eq!(r(&mut s1, 10), Ok(1));
        assert_eq!(r(&mut s1, 10), Err(IoError::WouldBlock));
    }

    #[test]
    fn shut_rd_does_not_uncharge_the_peer() {
        let (mut s0, mut s1) = pair();
        while w(&mut s1, 65536).is_ok() {}
        s0.shutdown(Shutdown::Read);
        assert_eq!(ready(&s1), "none");
        assert_eq!(s1.send_charge(), 238336);
    }

    #[test]
    fn shut_rdwr_hangs_up_both_ends() {
        let (mut s0, mut s1) = pair();
        s0.shutdown(Shutdown::Both);
        assert_eq!(ready(&s0), "IN|OUT|RDHUP|HUP");
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP");
        assert_eq!(r(&mut s0, 1), Ok(0));
        assert_eq!(w(&mut s0, 1), Err(IoError::BrokenPipe));
        assert_eq!(r(&mut s1, 1), Ok(0));
        assert_eq!(w(&mut s1, 1), Err(IoError::BrokenPipe));
    }

    #[test]
    fn peer_close_gives_eof_after_the_data_and_epipe() {
        let (mut s0, mut s1) = pair();
        w(&mut s0, 3).unwrap();
        s0.on_destroy();
        assert_eq!(s1.peer(), None);
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP");
        assert_eq!(r(&mut s1, 10), Ok(3));
        assert_eq!(r(&mut s1, 10), Ok(0));
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP");
        assert_eq!(w(&mut s1, 1), Err(IoError::BrokenPipe));
        assert_eq!(w(&mut s1, 0), Err(IoError::BrokenPipe));
        s1.shutdown(Shutdown::Both);
    }

    #[test]
    fn peer_close_with_unread_data_is_epollerr_and_one_econnreset() {
        let (mut s0, mut s1) = pair();
        w(&mut s1, 3).unwrap();
        w(&mut s0, 2).unwrap();
        s0.on_destroy();
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP|ERR");
        assert_eq!(s1.send_charge(), 0);
        assert_eq!(r(&mut s1, 10), Ok(2));
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP|ERR");
        assert_eq!(r(&mut s1, 10), Err(IoError::ConnectionReset));
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP");
        assert_eq!(r(&mut s1, 10), Ok(0));
    }

    #[test]
    fn peer_close_with_unread_data_write_first_is_epipe_and_peek_takes_the_reset() {
        let (mut s0, mut s1) = pair();
        w(&mut s1, 3).unwrap();
        s0.on_destroy();
        assert_eq!(w(&mut s1, 1), Err(IoError::BrokenPipe));
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP|ERR");
        assert_eq!(read_str(&mut s1, 10, true), Err(IoError::ConnectionReset));
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP");
        assert_eq!(r(&mut s1, 10), Ok(0));
    }

    #[test]
    fn zero_length_read_keeps_the_reset_but_zero_length_recv_takes_it() {
        let (mut s0, mut s1) = pair();
        w(&mut s1, 3).unwrap();
        s0.on_destroy();
        assert_eq!(r(&mut s1, 0), Ok(0));
        assert_eq!(s1.recv(&mut [], false, &mut VClock::new()), Err(IoError::ConnectionReset));
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP");
    }

    #[test]
    fn peer_shut_rd_then_close_with_unread_data_still_resets() {
        let (mut s0, mut s1) = pair();
        w(&mut s1, 3).unwrap();
        s0.shutdown(Shutdown::Read);
        s0.on_destroy();
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP|ERR");
    }

    #[test]
    fn resumed_write_after_peer_close_with_our_data_unread_is_econnreset() {
        let (mut s0, mut s1) = pair();
        while w(&mut s1, 65536).is_ok() {}
        assert_eq!(w(&mut s1, 1), Err(IoError::WouldBlock));
        s0.on_destroy();
        assert_eq!(s1.resume_write(b"x", &VClock::new()), Err(IoError::ConnectionReset));
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP");
        assert_eq!(w(&mut s1, 1), Err(IoError::BrokenPipe));
        assert_eq!(r(&mut s1, 1), Ok(0));
    }

    #[test]
    fn resumed_write_after_progress_consumes_the_reset() {
        // Blocking write of 300000: 219264 go out, the thread blocks, the peer closes unread.
        let (mut s0, mut s1) = pair();
        let data = vec![7; 300000];
        let done = s1.write(&data, &VClock::new()).unwrap();
        assert_eq!(done, 219264);
        s0.on_destroy();
        // The shim reports `done` for this error; what matters here is that it is consumed.
        assert_eq!(s1.resume_write(&data[done..], &VClock::new()), Err(IoError::ConnectionReset));
        assert_eq!(ready(&s1), "IN|OUT|RDHUP|HUP");
        assert_eq!(r(&mut s1, 1), Ok(0));
    }

    #[test]
    fn resumed_write_after_shutdowns_is_epipe() {
        let (mut s0, mut s1) = pair();
        while w(&mut s1, 65536).is_ok() {}
        s0.shutdown(Shutdown::Read);
        assert_eq!(s1.resume_write(b"x", &VClock::new()), Err(IoError::BrokenPipe));
        let (_s0, mut s1) = pair();
        while w(&mut s1, 65536).is_ok() {}
        s1.shutdown(Shutdown::Write);
        assert_eq!(s1.resume_write(b"x", &VClock::new()), Err(IoError::BrokenPipe));
    }

    #[test]
    fn blocked_reads_wake_to_eof_or_reset() {
        let (mut s0, mut s1) = pair();
        s0.on_destroy();
        assert_eq!(r(&mut s1, 1), Ok(0));
        let (mut s0, mut s1) = pair();
        w(&mut s1, 1).unwrap();
        s0.on_destroy();
        assert_eq!(r(&mut s1, 1), Err(IoError::ConnectionReset));
        let (mut s0, mut s1) = pair();
        s0.shutdown(Shutdown::Write);
        assert_eq!(r(&mut s1, 1), Ok(0));
        let (_s0, mut s1) = pair();
        s1.shutdown(Shutdown::Read);
        assert_eq!(r(&mut s1, 1), Ok(0));
    }

    #[test]
    fn read_acquires_consumed_bytes_and_peek_acquires_copied_bytes() {
        let (mut s0, mut s1) = pair();
        s0.write(b"ab", &clock(1, 2)).unwrap();
        s0.write(b"cd", &clock(2, 5)).unwrap();
        let mut acq = VClock::new();
        s1.recv(&mut [0; 1], true, &mut acq).unwrap();
        assert_eq!(acq.as_slice(), &[0, 2]);
        let mut acq = VClock::new();
        s1.recv(&mut [0; 2], false, &mut acq).unwrap();
        assert_eq!(acq.as_slice(), &[0, 2], "the later write was not consumed");
        let mut acq = VClock::new();
        s1.recv(&mut [0; 8], false, &mut acq).unwrap();
        assert_eq!(acq.as_slice(), &[0, 0, 5]);
    }

    #[test]
    fn errors_and_eof_move_no_clock() {
        let (mut s0, mut s1) = pair();
        let mut acq = VClock::new();
        assert_eq!(s1.recv(&mut [0; 4], false, &mut acq), Err(IoError::WouldBlock));
        w(&mut s1, 1).unwrap();
        s0.on_destroy();
        assert_eq!(s1.recv(&mut [0; 4], false, &mut acq), Err(IoError::ConnectionReset));
        assert_eq!(s1.recv(&mut [0; 4], false, &mut acq), Ok(0));
        assert!(acq.is_empty());
    }
}
