//! The descriptions behind fds 0, 1 and 2.
//!
//! They behave like `/dev/null` opened by a shell (confirmed by `fds/probes/stdio.c` on Linux
//! 6.18, quoted as "probe: ..."): stdin reads EOF, stdout and stderr accept every write in full —
//! and keep the bytes, so that the VM can show them ([`Stdio::take_output`]). Man page:
//! <https://man7.org/linux/man-pages/man4/null.4.html>.

use crate::error::IoError;
use crate::readiness::Readiness;
use spindle_vm::clock::VClock;

/// Which standard stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StdStream {
    /// fd 0, opened `O_RDONLY`.
    Stdin,
    /// fd 1, opened `O_WRONLY`.
    Stdout,
    /// fd 2, opened `O_WRONLY`.
    Stderr,
}

/// A standard stream's description.
#[derive(Debug)]
pub struct Stdio {
    stream: StdStream,
    output: Vec<u8>,
}

impl Stdio {
    /// A fresh stream with no output.
    pub fn new(stream: StdStream) -> Self {
        Stdio { stream, output: Vec::new() }
    }

    /// Which stream this is.
    pub fn stream(&self) -> StdStream {
        self.stream
    }

    /// `read(2)`: stdin is at EOF (probe: "read /dev/null: 0"); stdout/stderr are write-only
    /// (probe: "read O_WRONLY fd: EBADF"). Moves no clock.
    pub fn read(&mut self, _buf: &mut [u8], _acquired: &mut VClock) -> Result<usize, IoError> {
        match self.stream {
            StdStream::Stdin => Ok(0),
            StdStream::Stdout | StdStream::Stderr => Err(IoError::BadDirection),
        }
    }

    /// `write(2)`: stdout/stderr take everything (probe: "write /dev/null: 3"); stdin is
    /// read-only (probe: "write O_RDONLY fd: EBADF"). Nothing reads the bytes back, so no clock
    /// is kept.
    pub fn write(&mut self, data: &[u8], _released: &VClock) -> Result<usize, IoError> {
        match self.stream {
            StdStream::Stdin => Err(IoError::BadDirection),
            StdStream::Stdout | StdStream::Stderr => {
                self.output.extend_from_slice(data);
                Ok(data.len())
            }
        }
    }

    /// Everything written since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// Readable and writable whatever the access mode: Linux's `DEFAULT_POLLMASK` for files
    /// without a poll method (probe: "poll /dev/null revents: O_RDONLY=0x5 O_WRONLY=0x5").
    /// Such files cannot be added to an epoll set at all (probe: "epoll on /dev/null:
    /// epoll_ctl:Operation not permitted"); see [`crate::Description::pollable`].
    pub fn readiness(&self) -> Readiness {
        Readiness { readable: true, writable: true, ..Readiness::NONE }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_reads_eof_and_refuses_writes() {
        let mut s = Stdio::new(StdStream::Stdin);
        assert_eq!(s.read(&mut [0; 4], &mut VClock::new()), Ok(0));
        assert_eq!(s.write(b"abc", &VClock::new()), Err(IoError::BadDirection));
    }

    #[test]
    fn stdout_and_stderr_keep_what_is_written_and_refuse_reads() {
        for stream in [StdStream::Stdout, StdStream::Stderr] {
            let mut s = Stdio::new(stream);
            assert_eq!(s.write(b"abc", &VClock::new()), Ok(3));
            assert_eq!(s.write(b"", &VClock::new()), Ok(0));
            assert_eq!(s.write(b"de", &VClock::new()), Ok(2));
            assert_eq!(s.read(&mut [0; 4], &mut VClock::new()), Err(IoError::BadDirection));
            assert_eq!(s.take_output(), b"abcde");
            assert_eq!(s.take_output(), b"");
        }
    }

    #[test]
    fn stdio_is_always_readable_and_writable() {
        for stream in [StdStream::Stdin, StdStream::Stdout, StdStream::Stderr] {
            assert_eq!(Stdio::new(stream).readiness().to_string(), "IN|OUT");
        }
    }
}
