//! Pipes: a read end and a write end sharing one buffer.
//!
//! Man pages: <https://man7.org/linux/man-pages/man7/pipe.7.html>,
//! <https://man7.org/linux/man-pages/man2/pipe.2.html>. Every fact below was confirmed on
//! Linux 6.18 by `fds/probes/pipe.c` (quoted as "probe: ...") unless it cites another probe.
//!
//! # Capacity model
//!
//! Linux does not count bytes: a pipe is a ring of 16 slots, each holding part of one 4096-byte
//! page (`F_GETPIPE_SZ` = 65536; probe). This model reproduces `pipe_write()` and `pipe_read()`
//! of `fs/pipe.c` slot for slot:
//!
//! * A write first tries to *merge* its leading `len % 4096` bytes into the last slot, if that
//!   slot's data ends at most `4096 - len % 4096` bytes into its page (and the pipe is not
//!   empty). Then it fills fresh slots with up to 4096 bytes each while one is free.
//! * So a write of at most `PIPE_BUF` (4096) bytes is atomic — it merges entirely or takes one
//!   fresh slot, or fails with `EAGAIN` — and a larger write is partial when the ring fills.
//! * A slot is freed only when all its bytes have been read, and merging only ever targets the
//!   *last* slot; hence capacity depends on the write pattern (probe: 16 writes of 4095 bytes fit
//!   65520 bytes plus one 1-byte merge; after reading one byte of a full pipe a 1-byte write still
//!   gets `EAGAIN`).
//! * A write that resumes after blocking does not merge again (`pipe_write` merges only on
//!   entry): use [`PipeEnd::resume_write`].
//!
//! `F_SETPIPE_SZ` changes the number of slots ([`PipeEnd::set_capacity`]). Not modelled: packet
//! mode (`O_DIRECT`), and the smaller default Linux gives
//! to new pipes of an unprivileged user over `pipe-user-pages-soft` (16384 pages here).
//!
//! # Happens-before
//!
//! Each write releases its clock into the bytes it appended; a read acquires the clocks of
//! exactly the bytes it consumed (see `buffer.rs`). EOF, `EPIPE`, `EAGAIN` and `EBADF` move no
//! clock.

use crate::buffer::ClockedBytes;
use crate::error::IoError;
use crate::readiness::Readiness;
use crate::FdId;
use spindle_vm::clock::VClock;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// Page size: the capacity of one pipe slot.
pub const PAGE_SIZE: usize = 4096;
/// Writes of at most this many bytes are atomic (`PIPE_BUF` on Linux).
pub const PIPE_BUF: usize = 4096;
/// Number of slots of a new pipe (`PIPE_DEF_BUFFERS`).
pub const PIPE_SLOTS: usize = 16;
/// Default pipe capacity in bytes (probe: "pipe F_GETPIPE_SZ: 65536", "capacity 1-byte writes:
/// 65536 bytes", "capacity 4096-byte writes: 65536 bytes in 16 calls").
pub const PIPE_CAPACITY: usize = PAGE_SIZE * PIPE_SLOTS;

/// One ring slot: part of a page holding `len` unread bytes that end at offset `end`.
#[derive(Debug, Clone, Copy)]
struct Slot {
    len: usize,
    end: usize,
}

/// The buffer shared by the two ends.
#[derive(Debug)]
struct PipeState {
    bytes: ClockedBytes,
    slots: VecDeque<Slot>,
    reader_open: bool,
    writer_open: bool,
    /// Slots of the ring (`F_SETPIPE_SZ` changes it; [`PIPE_SLOTS`] at first).
    max_slots: usize,
}

/// Which end of a pipe a description is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PipeSide {
    /// `pipefd[0]`, opened `O_RDONLY`.
    Read,
    /// `pipefd[1]`, opened `O_WRONLY`.
    Write,
}

/// One end of a pipe (one open file description).
#[derive(Debug)]
pub struct PipeEnd {
    state: Rc<RefCell<PipeState>>,
    side: PipeSide,
    peer: FdId,
}

impl PipeEnd {
    /// A new empty pipe: `(read end, write end)`. `read_id`/`write_id` are the ids the table
    /// gives the two descriptions (each end names its peer).
    pub(crate) fn pair(read_id: FdId, write_id: FdId) -> (PipeEnd, PipeEnd) {
        let state = Rc::new(RefCell::new(PipeState {
            bytes: ClockedBytes::new(),
            slots: VecDeque::new(),
            reader_open: true,
            writer_open: true,
            max_slots: PIPE_SLOTS,
        }));
        (PipeEnd { state: state.clone(), side: PipeSide::Read, peer: write_id }, PipeEnd { state, side: PipeSide::Write, peer: read_id })
    }

    /// Which end this is.
    pub fn side(&self) -> PipeSide {
        self.side
    }

    /// The other end's description, while it exists.
    pub fn peer(&self) -> Option<FdId> {
        let s = self.state.borrow();
        let open = match self.side {
            PipeSide::Read => s.writer_open,
            PipeSide::Write => s.reader_open,
        };
        open.then_some(self.peer)
    }

    /// Bytes buffered in the pipe (`FIONREAD`).
    pub fn buffered(&self) -> usize {
        self.state.borrow().bytes.len()
    }

    /// Host bytes of buffered data this end accounts for (the read end, or the write end once
    /// the read end is gone), for the fd-buffer limit.
    pub fn buffer_footprint(&self) -> usize {
        let s = self.state.borrow();
        match self.side {
            PipeSide::Read => s.bytes.footprint(),
            PipeSide::Write if !s.reader_open => s.bytes.footprint(),
            PipeSide::Write => 0,
        }
    }

    /// Capacity in bytes (`F_GETPIPE_SZ`): a page per slot.
    pub fn capacity(&self) -> usize {
        self.state.borrow().max_slots * PAGE_SIZE
    }

    /// `F_SETPIPE_SZ` with a size the shim has already rounded to a power-of-two number of pages
    /// and checked against the limit: [`IoError::Busy`] (`EBUSY`) if the slots in use do not fit
    /// (probe `sockopts.c`: "F_SETPIPE_SZ 8192 with 10000 queued: EBUSY", "16384 …: 16384"). Both
    /// ends share the ring. Returns the new capacity.
    pub fn set_capacity(&mut self, bytes: usize) -> Result<usize, IoError> {
        let mut s = self.state.borrow_mut();
        let slots = (bytes / PAGE_SIZE).max(1);
        if slots < s.slots.len() {
            return Err(IoError::Busy);
        }
        s.max_slots = slots;
        Ok(slots * PAGE_SIZE)
    }

    /// `read(2)` on this end: copies up to `buf.len()` bytes, across as many writes as buffered,
    /// and joins their clocks into `acquired`.
    ///
    /// * write end → [`IoError::BadDirection`], even for an empty `buf` (probe: "read on write
    ///   end: EBADF", "read len=0 on write end: EBADF").
    /// * empty `buf` → `Ok(0)`, even on an empty pipe (probe: "read len=0 on empty blocking pipe:
    ///   0").
    /// * empty pipe: `Ok(0)` (EOF) once the write end is gone, else [`IoError::WouldBlock`]
    ///   (probe: "read after EOF: 0", "read empty nonblock: EAGAIN"). Buffered data is still
    ///   read after the writer closed (probe: "writer closed, data left ... read 1: 1").
    pub fn read(&mut self, buf: &mut [u8], acquired: &mut VClock) -> Result<usize, IoError> {
        if self.side != PipeSide::Read {
            return Err(IoError::BadDirection);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let mut s = self.state.borrow_mut();
        if s.slots.is_empty() {
            return if s.writer_open { Err(IoError::WouldBlock) } else { Ok(0) };
        }
        // Probe: "read 4 of abc+de: 4 'abcd'": one read spans several writes.
        let n = s.bytes.take(buf, acquired, false);
        let mut left = n;
        while left > 0 {
            let slot = s.slots.front_mut().expect("slots hold every buffered byte");
            let k = slot.len.min(left);
            slot.len -= k;
            left -= k;
            if slot.len == 0 {
                // A slot is released once fully read (probe: "read 4095 more (first slot
                // drained) ... ready after draining one slot: write=OUT").
                s.slots.pop_front();
            }
        }
        Ok(n)
    }

    /// `write(2)` on this end, entering the call: appends what fits under the slot model above
    /// and releases `released` into those bytes. Returns the count written (possibly short for
    /// writes over [`PIPE_BUF`]).
    ///
    /// * read end → [`IoError::BadDirection`], even for an empty `data` (probe: "write on read
    ///   end: EBADF", "write len=0 on read end: EBADF").
    /// * empty `data` → `Ok(0)`, even with the read end gone (probe: "write 0 with reader closed:
    ///   0").
    /// * read end gone → [`IoError::BrokenPipe`] (probe: "write 1 with reader closed: EPIPE").
    /// * nothing fits → [`IoError::WouldBlock`]; a write of at most [`PIPE_BUF`] bytes is all or
    ///   nothing (probe: "16 slots (last 4000) then write 200 (atomic): EAGAIN").
    ///
    /// A blocking writer whose write was short (or would block) must block and then continue
    /// with [`PipeEnd::resume_write`] on the rest, as `pipe_write()` loops; the shim adds up the
    /// counts (probe `blocking.c`: "pipe: blocking write of 100000, reader closed: 65536" — a
    /// resumed write that meets `EPIPE` after progress reports the progress).
    pub fn write(&mut self, data: &[u8], released: &VClock) -> Result<usize, IoError> {
        self.write_impl(data, released, true)
    }

    /// Whether a write of `len` bytes would begin by merging its leading `len % 4096` bytes into
    /// the last slot. `pipe_write()` does that on entry, before it looks for a free slot: a full
    /// pipe that can take the merge copies (and faults on a bad buffer) before it could say
    /// `EAGAIN` (spindle-diff fuzzer: 65535 bytes written, then `write(w, NULL, 4097)` is
    /// `EFAULT` on Linux, where `write(w, NULL, 2)` on 65536 bytes is `EAGAIN`).
    pub fn write_merges(&self, len: usize) -> bool {
        let chars = len % PAGE_SIZE;
        let s = self.state.borrow();
        chars != 0 && s.slots.back().is_some_and(|last| last.end + chars <= PAGE_SIZE)
    }

    /// Continues a blocking write after the thread was woken: like [`PipeEnd::write`] but
    /// without the initial merge into the last slot (Linux merges only on entry to
    /// `pipe_write()`; after waiting it always takes a fresh slot).
    pub fn resume_write(&mut self, data: &[u8], released: &VClock) -> Result<usize, IoError> {
        self.write_impl(data, released, false)
    }

    fn write_impl(&mut self, data: &[u8], released: &VClock, merge: bool) -> Result<usize, IoError> {
        if self.side != PipeSide::Write {
            return Err(IoError::BadDirection);
        }
        if data.is_empty() {
            return Ok(0);
        }
        let mut s = self.state.borrow_mut();
        if !s.reader_open {
            return Err(IoError::BrokenPipe);
        }
        let mut written = 0;
        // Merge the first `len % PAGE_SIZE` bytes into the last slot if they fit in its page
        // (probe: "4000-byte writes: 64000 bytes in 16 calls", "then write 97: EAGAIN", "then
        // write 96: 96"; "14 full slots + 100-byte slot then write 8193: 4097").
        let chars = data.len() % PAGE_SIZE;
        if merge && chars != 0 {
            if let Some(last) = s.slots.back_mut() {
                if last.end + chars <= PAGE_SIZE {
                    last.end += chars;
                    last.len += chars;
                    s.bytes.push(&data[..chars], released);
                    written = chars;
                }
            }
        }
        // Then whole fresh pages while a slot is free (probe: "after 1 byte, single write 65536:
        // 61440"; "single write 100000 on empty (partial): 65536"; "15 full slots then write
        // 4097: 4096").
        while written < data.len() && s.slots.len() < s.max_slots {
            let n = (data.len() - written).min(PAGE_SIZE);
            s.slots.push_back(Slot { len: n, end: n });
            s.bytes.push(&data[written..written + n], released);
            written += n;
        }
        if written == 0 {
            return Err(IoError::WouldBlock);
        }
        Ok(written)
    }

    /// The end's readiness (probe: "pipe2 ready empty: read=none write=OUT", "ready with data:
    /// read=IN", "ready full: write=none", "writer closed, data left: read=IN|HUP", "writer
    /// closed, empty: read=HUP", "reader closed: write=OUT|ERR", "reader closed, pipe full:
    /// write=ERR").
    ///
    /// * read end: readable iff data is buffered; `hup` iff the write end is gone. Never
    ///   writable, never `read_hup` (Linux's `pipe_poll` only looks at the modes the file was
    ///   opened with).
    /// * write end: writable iff a slot is free (not "any byte free": after reading one byte of
    ///   a full pipe it stays unwritable — probe); `error` iff the read end is gone. Never
    ///   readable, never `hup`.
    pub fn readiness(&self) -> Readiness {
        let s = self.state.borrow();
        match self.side {
            PipeSide::Read => Readiness { readable: !s.slots.is_empty(), hup: !s.writer_open, ..Readiness::NONE },
            PipeSide::Write => Readiness { writable: s.slots.len() < s.max_slots, error: !s.reader_open, ..Readiness::NONE },
        }
    }

    /// The description is being destroyed (its last fd closed and nothing holds it).
    pub(crate) fn on_destroy(&mut self) {
        let mut s = self.state.borrow_mut();
        match self.side {
            // The buffered pages stay until the whole pipe is freed, so a full pipe stays
            // unwritable (probe: "reader closed, pipe full: write=ERR").
            PipeSide::Read => s.reader_open = false,
            PipeSide::Write => s.writer_open = false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spindle_vm::clock::VectorIdx;

    fn pipe() -> (PipeEnd, PipeEnd) {
        PipeEnd::pair(FdId(10), FdId(11))
    }

    fn w(end: &mut PipeEnd, n: usize) -> Result<usize, IoError> {
        end.write(&vec![b'x'; n], &VClock::new())
    }

    fn r(end: &mut PipeEnd, n: usize) -> Result<usize, IoError> {
        end.read(&mut vec![0; n], &mut VClock::new())
    }

    /// Writes `n`-byte chunks until a write fails or is short; returns (bytes, calls).
    fn fill(end: &mut PipeEnd, n: usize) -> (usize, usize) {
        let (mut total, mut calls) = (0, 0);
        while let Ok(k) = w(end, n) {
            total += k;
            calls += 1;
            if k < n {
                break;
            }
        }
        (total, calls)
    }

    fn clock(i: u32, t: u32) -> VClock {
        let mut c = VClock::new();
        c.set(VectorIdx(i), t);
        c
    }

    #[test]
    fn wrong_direction_is_ebadf_even_for_zero_lengths() {
        let (mut rd, mut wr) = pipe();
        assert_eq!(w(&mut rd, 1), Err(IoError::BadDirection));
        assert_eq!(w(&mut rd, 0), Err(IoError::BadDirection));
        assert_eq!(r(&mut wr, 1), Err(IoError::BadDirection));
        assert_eq!(r(&mut wr, 0), Err(IoError::BadDirection));
        assert_eq!(rd.resume_write(b"x", &VClock::new()), Err(IoError::BadDirection));
    }

    #[test]
    fn zero_length_read_and_write_return_0() {
        let (mut rd, mut wr) = pipe();
        assert_eq!(r(&mut rd, 0), Ok(0));
        assert_eq!(w(&mut wr, 0), Ok(0));
        assert_eq!(rd.readiness().to_string(), "none");
    }

    #[test]
    fn empty_pipe_would_block() {
        let (mut rd, _wr) = pipe();
        assert_eq!(r(&mut rd, 10), Err(IoError::WouldBlock));
    }

    #[test]
    fn a_read_spans_writes() {
        let (mut rd, mut wr) = pipe();
        assert_eq!(wr.write(b"abc", &VClock::new()), Ok(3));
        assert_eq!(wr.write(b"de", &VClock::new()), Ok(2));
        let mut buf = [0; 4];
        assert_eq!(rd.read(&mut buf, &mut VClock::new()), Ok(4));
        assert_eq!(&buf, b"abcd");
        let mut buf = [0; 8];
        assert_eq!(rd.read(&mut buf, &mut VClock::new()), Ok(1));
        assert_eq!(buf[0], b'e');
    }

    #[test]
    fn capacity_is_65536_with_1_byte_writes() {
        let (_rd, mut wr) = pipe();
        assert_eq!(fill(&mut wr, 1), (65536, 65536));
        assert_eq!(wr.capacity(), 65536);
    }

    #[test]
    fn capacity_is_16_writes_of_4096() {
        let (_rd, mut wr) = pipe();
        assert_eq!(fill(&mut wr, 4096), (65536, 16));
    }

    #[test]
    fn large_writes_are_partial() {
        let (_rd, mut wr) = pipe();
        assert_eq!(w(&mut wr, 65536), Ok(65536));
        let (_rd, mut wr) = pipe();
        assert_eq!(w(&mut wr, 100000), Ok(65536));
        assert_eq!(w(&mut wr, 1), Err(IoError::WouldBlock));
    }

    #[test]
    fn a_page_sized_write_never_merges() {
        let (_rd, mut wr) = pipe();
        w(&mut wr, 1).unwrap();
        assert_eq!(fill(&mut wr, 4096), (61440, 15));
        assert_eq!(w(&mut wr, 1), Err(IoError::WouldBlock));
        let (_rd, mut wr) = pipe();
        w(&mut wr, 1).unwrap();
        assert_eq!(w(&mut wr, 65536), Ok(61440));
    }

    #[test]
    fn small_writes_merge_into_the_last_slot_only_if_they_fit() {
        let (_rd, mut wr) = pipe();
        assert_eq!(fill(&mut wr, 4095), (65520, 16));
        assert_eq!(w(&mut wr, 2), Err(IoError::WouldBlock));
        assert_eq!(w(&mut wr, 1), Ok(1));
        assert_eq!(w(&mut wr, 1), Err(IoError::WouldBlock));

        let (_rd, mut wr) = pipe();
        assert_eq!(fill(&mut wr, 4000), (64000, 16));
        assert_eq!(w(&mut wr, 97), Err(IoError::WouldBlock));
        assert_eq!(w(&mut wr, 96), Ok(96));
        assert_eq!(w(&mut wr, 1), Err(IoError::WouldBlock));
    }

    #[test]
    fn a_large_write_fills_pages_from_its_start() {
        let (_rd, mut wr) = pipe();
        assert_eq!(w(&mut wr, 5000), Ok(5000));
        assert_eq!(fill(&mut wr, 4096), (57344, 14));
        assert_eq!(w(&mut wr, 3192), Err(IoError::WouldBlock));
        assert_eq!(w(&mut wr, 1), Err(IoError::WouldBlock));
    }

    #[test]
    fn writes_over_pipe_buf_merge_their_remainder_then_fill_free_slots() {
        let (_rd, mut wr) = pipe();
        for _ in 0..15 {
            w(&mut wr, 4096).unwrap();
        }
        assert_eq!(w(&mut wr, 4097), Ok(4096));

        let (_rd, mut wr) = pipe();
        for _ in 0..14 {
            w(&mut wr, 4096).unwrap();
        }
        w(&mut wr, 100).unwrap();
        assert_eq!(w(&mut wr, 8193), Ok(4097));
    }

    #[test]
    fn writes_up_to_pipe_buf_are_atomic() {
        let (_rd, mut wr) = pipe();
        for _ in 0..15 {
            w(&mut wr, 4096).unwrap();
        }
        w(&mut wr, 4000).unwrap();
        assert_eq!(w(&mut wr, 200), Err(IoError::WouldBlock));
        assert_eq!(w(&mut wr, 5000), Err(IoError::WouldBlock));
    }

    #[test]
    fn merge_limit_counts_from_the_page_start_after_partial_reads() {
        let (mut rd, mut wr) = pipe();
        w(&mut wr, 10).unwrap();
        r(&mut rd, 5).unwrap();
        assert_eq!(w(&mut wr, 4091), Ok(4091));
        assert_eq!(w(&mut wr, 1), Ok(1));
        // 10 + 4091 > 4096: the 4091 bytes took a second slot, and the 1 byte merged there, so
        // 14 slots are left (probe: "then 4096-byte writes: 14 calls (2 slots were in use)").
        assert_eq!(fill(&mut wr, 4096), (14 * 4096, 14));
    }

    #[test]
    fn a_drained_slot_is_freed() {
        let (mut rd, mut wr) = pipe();
        w(&mut wr, 10).unwrap();
        r(&mut rd, 10).unwrap();
        assert_eq!(fill(&mut wr, 4096), (65536, 16));
    }

    #[test]
    fn reading_part_of_a_full_pipe_frees_no_slot() {
        let (mut rd, mut wr) = pipe();
        fill(&mut wr, 1);
        assert_eq!(rd.readiness().to_string(), "IN");
        assert_eq!(wr.readiness().to_string(), "none");
        assert_eq!(r(&mut rd, 1), Ok(1));
        assert_eq!(wr.readiness().to_string(), "none");
        assert_eq!(w(&mut wr, 1), Err(IoError::WouldBlock));
        assert_eq!(r(&mut rd, 4095), Ok(4095));
        assert_eq!(wr.readiness().to_string(), "OUT");
        assert_eq!(w(&mut wr, 4096), Ok(4096));
        assert_eq!(w(&mut wr, 1), Err(IoError::WouldBlock));
    }

    #[test]
    fn resumed_write_takes_a_fresh_slot() {
        let (_rd, mut wr) = pipe();
        for _ in 0..15 {
            w(&mut wr, 4096).unwrap();
        }
        w(&mut wr, 100).unwrap();
        // Entering the call, 10 bytes merge into the 100-byte slot...
        assert_eq!(wr.write(b"0123456789", &VClock::new()), Ok(10));
        // ...but a resumed write does not merge, and the ring is full.
        assert_eq!(wr.resume_write(b"0123456789", &VClock::new()), Err(IoError::WouldBlock));
    }

    #[test]
    fn eof_after_the_writer_is_gone_and_data_drained() {
        let (mut rd, mut wr) = pipe();
        wr.write(b"xy", &VClock::new()).unwrap();
        wr.on_destroy();
        assert_eq!(rd.peer(), None);
        assert_eq!(rd.readiness().to_string(), "IN|HUP");
        assert_eq!(r(&mut rd, 1), Ok(1));
        assert_eq!(r(&mut rd, 10), Ok(1));
        assert_eq!(r(&mut rd, 10), Ok(0));
        assert_eq!(rd.readiness().to_string(), "HUP");
    }

    #[test]
    fn broken_pipe_after_the_reader_is_gone() {
        let (mut rd, mut wr) = pipe();
        assert_eq!(wr.peer(), Some(FdId(10)));
        rd.on_destroy();
        assert_eq!(wr.peer(), None);
        assert_eq!(wr.readiness().to_string(), "OUT|ERR");
        assert_eq!(w(&mut wr, 1), Err(IoError::BrokenPipe));
        assert_eq!(w(&mut wr, 0), Ok(0));
        assert_eq!(wr.resume_write(b"x", &VClock::new()), Err(IoError::BrokenPipe));
    }

    #[test]
    fn full_pipe_with_reader_gone_is_error_only() {
        let (mut rd, mut wr) = pipe();
        fill(&mut wr, 4096);
        rd.on_destroy();
        assert_eq!(wr.readiness().to_string(), "ERR");
        assert_eq!(w(&mut wr, 1), Err(IoError::BrokenPipe));
    }

    #[test]
    fn readiness_of_empty_pipe_and_with_data() {
        let (rd, mut wr) = pipe();
        assert_eq!(rd.readiness().to_string(), "none");
        assert_eq!(wr.readiness().to_string(), "OUT");
        w(&mut wr, 5).unwrap();
        assert_eq!(rd.readiness().to_string(), "IN");
        assert_eq!(wr.readiness().to_string(), "OUT");
        assert_eq!(rd.buffered(), 5);
    }

    #[test]
    fn read_acquires_clocks_of_consumed_bytes_only() {
        let (mut rd, mut wr) = pipe();
        wr.write(b"ab", &clock(1, 4)).unwrap();
        wr.write(b"cd", &clock(2, 8)).unwrap();
        let mut acq = VClock::new();
        assert_eq!(rd.read(&mut [0; 2], &mut acq), Ok(2));
        assert_eq!(acq.as_slice(), &[0, 4], "did not consume the second write");
        let mut acq = VClock::new();
        assert_eq!(rd.read(&mut [0; 1], &mut acq), Ok(1));
        assert_eq!(acq.as_slice(), &[0, 0, 8]);
    }

    #[test]
    fn eof_wouldblock_and_epipe_move_no_clock() {
        let (mut rd, mut wr) = pipe();
        let mut acq = VClock::new();
        assert_eq!(rd.read(&mut [0; 4], &mut acq), Err(IoError::WouldBlock));
        wr.on_destroy();
        assert_eq!(rd.read(&mut [0; 4], &mut acq), Ok(0));
        assert!(acq.is_empty());
        let (mut rd, mut wr) = pipe();
        rd.on_destroy();
        assert_eq!(wr.write(b"x", &clock(0, 1)), Err(IoError::BrokenPipe));
        assert_eq!(wr.buffered(), 0);
    }
}
