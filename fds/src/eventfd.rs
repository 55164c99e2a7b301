//! eventfd: a 64-bit counter read and written 8 bytes at a time.
//!
//! Man page: <https://man7.org/linux/man-pages/man2/eventfd.2.html>. Every fact below was
//! confirmed on Linux 6.18 by `fds/probes/eventfd.c` (quoted as "probe: ...").
//!
//! Happens-before: the eventfd keeps one clock. A successful write joins the writer's released
//! clock into it (writing 0 included); a successful read joins it into the reader's acquired
//! clock. The clock is never reset by a read: every access is a read-modify-write of the counter,
//! so (as with C++ release sequences) a reader synchronises with all earlier writers. Failed
//! operations (`EAGAIN`, `EINVAL`) move no clock.

use crate::error::IoError;
use crate::readiness::Readiness;
use spindle_vm::clock::VClock;

/// The largest value the counter can hold: `0xffff_ffff_ffff_fffe` (2^64 − 2).
/// Probe: "write 0xfffffffffffffffe (max) on 0: 8", "write 1 at max: EAGAIN".
pub const EVENTFD_MAX: u64 = u64::MAX - 1;

/// The state of one eventfd description.
#[derive(Debug)]
pub struct EventFd {
    counter: u64,
    semaphore: bool,
    clock: VClock,
}

impl EventFd {
    /// `eventfd(initval, flags)`: `semaphore` is `EFD_SEMAPHORE`. (`EFD_NONBLOCK` is a status
    /// flag kept by the fd table, `EFD_CLOEXEC` an fd flag.) `initval` is an `unsigned int`;
    /// probe: "eventfd(0xffffffff, 0) ... read: 8 value=4294967295".
    pub fn new(initval: u32, semaphore: bool) -> Self {
        EventFd { counter: u64::from(initval), semaphore, clock: VClock::new() }
    }

    /// The current counter value.
    pub fn counter(&self) -> u64 {
        self.counter
    }

    /// Whether this is an `EFD_SEMAPHORE` eventfd.
    pub fn is_semaphore(&self) -> bool {
        self.semaphore
    }

    /// `read(2)`: stores the counter (or 1 in semaphore mode) as 8 little-endian (x86-64 native)
    /// bytes in `buf[..8]` and subtracts it from the counter; returns 8.
    ///
    /// * `buf.len() < 8` → [`IoError::InvalidArgument`], checked first (probe: "read len=0:
    ///   EINVAL", "read len=7: EINVAL"); longer buffers are fine and still return 8 (probe: "read
    ///   len=9 counter=1: 8 value=1").
    /// * counter 0 → [`IoError::WouldBlock`] (probe: "read counter=0 nonblock: EAGAIN").
    /// * semaphore mode reads 1 and decrements (probe: "semaphore(3) read #1..#3: 8 value=1",
    ///   "#4: EAGAIN"), otherwise reads the value and resets to 0.
    pub fn read(&mut self, buf: &mut [u8], acquired: &mut VClock) -> Result<usize, IoError> {
        if buf.len() < 8 {
            return Err(IoError::InvalidArgument);
        }
        if self.counter == 0 {
            return Err(IoError::WouldBlock);
        }
        let value = if self.semaphore { 1 } else { self.counter };
        self.counter -= value;
        buf[..8].copy_from_slice(&value.to_le_bytes());
        acquired.join(&self.clock);
        Ok(8)
    }

    /// `write(2)`: adds the 8-byte little-endian value in `data` to the counter; returns 8.
    ///
    /// * `data.len() != 8` → [`IoError::InvalidArgument`] (probe: "write len=0/7/9: EINVAL").
    /// * value `0xffff_ffff_ffff_ffff` → [`IoError::InvalidArgument`] (probe).
    /// * a sum above [`EVENTFD_MAX`] → [`IoError::WouldBlock`] (probe: "write 1 at max: EAGAIN",
    ///   "5 + 0xfffffffffffffffa: EAGAIN", "5 + 0xfffffffffffffff9: 8").
    /// * writing 0 succeeds and changes nothing but the clock (probe: "write 0: 8", "write 0 at
    ///   max: 8").
    pub fn write(&mut self, data: &[u8], released: &VClock) -> Result<usize, IoError> {
        let bytes: [u8; 8] = data.try_into().map_err(|_| IoError::InvalidArgument)?;
        let value = u64::from_le_bytes(bytes);
        if value == u64::MAX {
            return Err(IoError::InvalidArgument);
        }
        if value > EVENTFD_MAX - self.counter {
            return Err(IoError::WouldBlock);
        }
        self.counter += value;
        self.clock.join(released);
        Ok(8)
    }

    /// Readable iff the counter is non-zero; writable iff it is below [`EVENTFD_MAX`] (probe:
    /// "ready counter=0: OUT", "counter=1: IN|OUT", "counter=max: IN"). Linux would add
    /// `EPOLLERR` at `u64::MAX`, which no user-space write can reach. Never hang-up.
    pub fn readiness(&self) -> Readiness {
        Readiness { readable: self.counter > 0, writable: self.counter < EVENTFD_MAX, error: self.counter == u64::MAX, ..Readiness::NONE }
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

    fn write(e: &mut EventFd, v: u64) -> Result<usize, IoError> {
        e.write(&v.to_le_bytes(), &VClock::new())
    }

    fn read(e: &mut EventFd) -> Result<u64, IoError> {
        let mut buf = [0; 8];
        e.read(&mut buf, &mut VClock::new())?;
        Ok(u64::from_le_bytes(buf))
    }

    #[test]
    fn read_on_zero_would_block() {
        let mut e = EventFd::new(0, false);
        assert_eq!(read(&mut e), Err(IoError::WouldBlock));
    }

    #[test]
    fn short_read_buffers_are_einval_before_the_counter_is_checked() {
        let mut e = EventFd::new(0, false);
        assert_eq!(e.read(&mut [], &mut VClock::new()), Err(IoError::InvalidArgument));
        assert_eq!(e.read(&mut [0; 7], &mut VClock::new()), Err(IoError::InvalidArgument));
    }

    #[test]
    fn long_read_buffer_returns_8() {
        let mut e = EventFd::new(0, false);
        write(&mut e, 1).unwrap();
        let mut buf = [0xaa; 9];
        assert_eq!(e.read(&mut buf, &mut VClock::new()), Ok(8));
        assert_eq!(u64::from_le_bytes(buf[..8].try_into().unwrap()), 1);
        assert_eq!(buf[8], 0xaa);
    }

    #[test]
    fn writes_must_be_exactly_8_bytes() {
        let mut e = EventFd::new(0, false);
        for len in [0, 7, 9] {
            assert_eq!(e.write(&vec![1; len], &VClock::new()), Err(IoError::InvalidArgument), "len {len}");
        }
        assert_eq!(e.counter(), 0);
    }

    #[test]
    fn writing_u64_max_is_einval() {
        let mut e = EventFd::new(0, false);
        assert_eq!(write(&mut e, u64::MAX), Err(IoError::InvalidArgument));
    }

    #[test]
    fn counter_limit_is_2_pow_64_minus_2() {
        let mut e = EventFd::new(0, false);
        assert_eq!(write(&mut e, 0xffff_ffff_ffff_fffe), Ok(8));
        assert_eq!(write(&mut e, 0), Ok(8));
        assert_eq!(write(&mut e, 1), Err(IoError::WouldBlock));
        assert_eq!(read(&mut e), Ok(18446744073709551614));
        assert_eq!(write(&mut e, 5), Ok(8));
        assert_eq!(write(&mut e, 0xffff_ffff_ffff_fffa), Err(IoError::WouldBlock));
        assert_eq!(write(&mut e, 0xffff_ffff_ffff_fff9), Ok(8));
        assert_eq!(read(&mut e), Ok(18446744073709551614));
        assert_eq!(read(&mut e), Err(IoError::WouldBlock));
    }

    #[test]
    fn read_returns_the_sum_and_resets() {
        let mut e = EventFd::new(0, false);
        write(&mut e, 1).unwrap();
        write(&mut e, 0).unwrap();
        write(&mut e, 2).unwrap();
        assert_eq!(read(&mut e), Ok(3));
        assert_eq!(e.counter(), 0);
    }

    #[test]
    fn initval_is_the_first_read() {
        assert_eq!(read(&mut EventFd::new(10, false)), Ok(10));
        assert_eq!(read(&mut EventFd::new(u32::MAX, false)), Ok(4294967295));
    }

    #[test]
    fn semaphore_reads_one_at_a_time() {
        let mut e = EventFd::new(3, true);
        assert!(e.is_semaphore());
        for _ in 0..3 {
            assert_eq!(read(&mut e), Ok(1));
        }
        assert_eq!(read(&mut e), Err(IoError::WouldBlock));
        write(&mut e, EVENTFD_MAX).unwrap();
        assert_eq!(read(&mut e), Ok(1));
        assert_eq!(e.readiness().to_string(), "IN|OUT");
    }

    #[test]
    fn readiness_follows_the_counter() {
        let mut e = EventFd::new(0, false);
        assert_eq!(e.readiness().to_string(), "OUT");
        write(&mut e, 0).unwrap();
        assert_eq!(e.readiness().to_string(), "OUT");
        write(&mut e, 1).unwrap();
        assert_eq!(e.readiness().to_string(), "IN|OUT");
        read(&mut e).unwrap();
        write(&mut e, EVENTFD_MAX).unwrap();
        assert_eq!(e.readiness().to_string(), "IN");
        read(&mut e).unwrap();
        assert_eq!(e.readiness().to_string(), "OUT");
    }

    #[test]
    fn write_releases_into_and_read_acquires_from_the_eventfd_clock() {
        let mut e = EventFd::new(0, false);
        e.write(&1u64.to_le_bytes(), &clock(1, 5)).unwrap();
        e.write(&0u64.to_le_bytes(), &clock(2, 3)).unwrap();
        let mut acq = clock(0, 9);
        e.read(&mut [0; 8], &mut acq).unwrap();
        assert_eq!(acq.as_slice(), &[9, 5, 3]);
    }

    #[test]
    fn failed_operations_move_no_clock() {
        let mut e = EventFd::new(0, false);
        let mut acq = VClock::new();
        assert_eq!(e.read(&mut [0; 8], &mut acq), Err(IoError::WouldBlock));
        assert!(acq.is_empty());
        e.write(&EVENTFD_MAX.to_le_bytes(), &clock(1, 1)).unwrap();
        assert_eq!(e.write(&1u64.to_le_bytes(), &clock(2, 2)), Err(IoError::WouldBlock));
        assert_eq!(e.write(&u64::MAX.to_le_bytes(), &clock(3, 3)), Err(IoError::InvalidArgument));
        assert_eq!(e.read(&mut [0; 7], &mut acq), Err(IoError::InvalidArgument));
        assert!(acq.is_empty());
        e.read(&mut [0; 8], &mut acq).unwrap();
        assert_eq!(acq.as_slice(), &[0, 1], "only the successful write released");
    }
}
