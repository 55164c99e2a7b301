//! A FIFO of bytes in which every byte remembers the clock its writer released: the shared
//! mechanism behind pipe and socket buffers.
//!
//! Happens-before through a stream is per byte: a read acquires the join of the clocks of exactly
//! the chunks whose bytes it copied out — not of chunks written later and still buffered. A chunk
//! that is only partly consumed keeps its clock for the bytes that remain.

use spindle_vm::clock::VClock;
use std::collections::VecDeque;

/// Bytes appended by one write (or several consecutive writes with equal clocks).
#[derive(Debug)]
struct Chunk {
    bytes: Vec<u8>,
    /// Bytes before `start` were consumed already.
    start: usize,
    clock: VClock,
}

impl Chunk {
    fn remaining(&self) -> &[u8] {
        &self.bytes[self.start..]
    }
}

/// Host bytes a chunk costs besides its data: the chunk, its clock and the allocation.
pub const CHUNK_OVERHEAD: usize = std::mem::size_of::<Chunk>() + 32;

/// A byte queue with a released clock per chunk.
#[derive(Debug, Default)]
pub(crate) struct ClockedBytes {
    chunks: VecDeque<Chunk>,
    len: usize,
}

impl ClockedBytes {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Number of buffered (unconsumed) bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Host bytes this buffer holds: its bytes and a bookkeeping estimate per chunk (one-byte
    /// writes with distinct clocks cost a chunk each), for the fd-buffer limit.
    pub(crate) fn footprint(&self) -> usize {
        self.len + self.chunks.len() * CHUNK_OVERHEAD
    }

    /// Appends `data`, released with `clock`.
    pub(crate) fn push(&mut self, data: &[u8], clock: &VClock) {
        if data.is_empty() {
            return;
        }
        self.len += data.len();
        if let Some(last) = self.chunks.back_mut() {
            // Equal clocks: joining one or both is the same, so the chunks may share storage.
            if last.clock == *clock {
                last.bytes.extend_from_slice(data);
                return;
            }
        }
        self.chunks.push_back(Chunk { bytes: data.to_vec(), start: 0, clock: clock.clone() });
    }

    /// Copies up to `buf.len()` bytes from the front into `buf`, joins the clocks of the chunks
    /// they came from into `acquired`, and consumes them unless `peek`. Returns the count.
    pub(crate) fn take(&mut self, buf: &mut [u8], acquired: &mut VClock, peek: bool) -> usize {
        let mut copied = 0;
        let mut index = 0;
        while copied < buf.len() {
            let Some(chunk) = self.chunks.get_mut(index) else { break };
            let src = chunk.remaining();
            let n = src.len().min(buf.len() - copied);
            buf[copied..copied + n].copy_from_slice(&src[..n]);
            acquired.join(&chunk.clock);
            copied += n;
            if peek {
                index += 1;
            } else if n == src.len() {
                self.chunks.pop_front();
            } else {
                chunk.start += n;
            }
        }
        if !peek {
            self.len -= copied;
        }
        copied
    }

    /// Drops everything (the reading end is gone).
    pub(crate) fn clear(&mut self) {
        self.chunks.clear();
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spindle_vm::clock::VectorIdx;

    fn clock(i: u32, t: u32) -> VClock {
        let mut c = VClock::new();
        c.set(VectorIdx(i), t);
        c
    }

    #[test]
    fn read_acquires_only_the_clocks_of_consumed_chunks() {
        let mut b = ClockedBytes::new();
        b.push(b"abc", &clock(0, 1));
        b.push(b"de", &clock(1, 7));
        let mut buf = [0; 2];
        let mut acq = VClock::new();
        assert_eq!(b.take(&mut buf, &mut acq, false), 2);
        assert_eq!(&buf, b"ab");
        assert_eq!(acq, clock(0, 1), "the later chunk's clock must not leak into an earlier read");
        let mut acq = VClock::new();
        let mut buf = [0; 8];
        assert_eq!(b.take(&mut buf, &mut acq, false), 3);
        assert_eq!(&buf[..3], b"cde");
        // The partly consumed first chunk kept its clock for its last byte.
        assert_eq!(acq.as_slice(), &[1, 7]);
        assert!(b.is_empty());
    }

    #[test]
    fn peek_joins_clocks_without_consuming() {
        let mut b = ClockedBytes::new();
        b.push(b"ab", &clock(0, 1));
        b.push(b"cd", &clock(1, 2));
        let mut buf = [0; 3];
        let mut acq = VClock::new();
        assert_eq!(b.take(&mut buf, &mut acq, true), 3);
        assert_eq!(&buf, b"abc");
        assert_eq!(acq.as_slice(), &[1, 2]);
        assert_eq!(b.len(), 4);
        let mut all = [0; 4];
        assert_eq!(b.take(&mut all, &mut VClock::new(), false), 4);
        assert_eq!(&all, b"abcd");
    }

    #[test]
    fn equal_clocks_share_a_chunk_and_empty_reads_acquire_nothing() {
        let mut b = ClockedBytes::new();
        b.push(b"a", &clock(0, 3));
        b.push(b"", &clock(2, 9));
        b.push(b"b", &clock(0, 3));
        assert_eq!(b.chunks.len(), 1);
        let mut acq = VClock::new();
        assert_eq!(b.take(&mut [], &mut acq, false), 0);
        assert!(acq.is_empty());
        b.clear();
        assert_eq!(b.take(&mut [0; 4], &mut acq, false), 0);
        assert!(acq.is_empty());
    }
}
