//! Limits on what a guest's files may hold in the host: open fds (`--max-fds`, Linux's
//! `RLIMIT_NOFILE`, answered with `EMFILE`) and the bytes that pipes and sockets buffer across
//! every description (`--max-fd-buffers`: exit code 4, docs/security.md). Each pipe and socket
//! is bounded on its own (64 KiB, `SO_SNDBUF`), but 10 000 full socket pairs hold 4 GiB, and
//! one-byte writes with distinct clocks cost a chunk of bookkeeping each.

use crate::Shims;
use spindle_vm::{Machine, Stop, VmResult};

/// `--max-fds`' default: Linux's `RLIMIT_NOFILE` as Spindle fixes it.
pub const DEFAULT_MAX_FDS: usize = spindle_fds::DEFAULT_MAX_FDS;
/// `--max-fd-buffers`' default: 256 MiB across every pipe and socket.
pub const DEFAULT_MAX_FD_BUFFERS: u64 = 256 << 20;

/// The guest's file limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FdLimits {
    /// Fd numbers must be below this (`EMFILE` beyond).
    pub max_fds: usize,
    /// Host bytes all pipe and socket buffers may hold together (exit code 4 beyond).
    pub max_fd_buffers: u64,
}

impl Default for FdLimits {
    fn default() -> Self {
        FdLimits { max_fds: DEFAULT_MAX_FDS, max_fd_buffers: DEFAULT_MAX_FD_BUFFERS }
    }
}

/// How many bytes may be written between two exact counts of the buffers' footprint (which
/// walks every description): the limit is exceeded by at most this much.
fn check_every(limit: u64) -> u64 {
    (limit / 16).clamp(4096, 1 << 20)
}

impl Shims {
    /// Applies `limits` to this run (before it starts).
    pub fn set_limits(&mut self, limits: FdLimits) {
        self.limits = limits;
        self.fds.set_max_fds(limits.max_fds);
    }

    pub fn limits(&self) -> FdLimits {
        self.limits
    }

    /// A write to description `id` at `offset` (`None`: its own offset) of `len` bytes is about
    /// to grow a regular file: stops the run if the files would then hold more than the limit
    /// (a write far past the end allocates the gap: Spindle's files have no holes).
    pub(crate) fn file_growth(&mut self, id: spindle_fds::FdId, offset: Option<u64>, len: u64) -> VmResult<()> {
        let Some(f) = self.fds.get(id).and_then(|d| d.as_file()) else { return Ok(()) };
        let after = f.size_after_write(offset, len);
        let now = f.size();
        let total = (self.fs.bytes() as u64).saturating_add(after.saturating_sub(now));
        if after > now && total > self.limits.max_fd_buffers {
            return Err(Stop::limit(
                format!("a write would make the guest's files hold {total} bytes, more than {}", self.limits.max_fd_buffers),
                "raise it with --max-fd-buffers BYTES",
            ));
        }
        Ok(())
    }

    /// `n` bytes were just buffered by a write: stops the run once the buffers hold more than
    /// the limit.
    pub(crate) fn buffered(&mut self, _m: &mut Machine<Shims>, n: usize) -> VmResult<()> {
        self.written_since_check += n as u64 + spindle_fds::CHUNK_OVERHEAD as u64;
        if self.written_since_check < check_every(self.limits.max_fd_buffers) {
            return Ok(());
        }
        self.written_since_check = 0;
        let used = self.fds.buffer_footprint() as u64 + self.fs.bytes() as u64;
        if used > self.limits.max_fd_buffers {
            return Err(Stop::limit(
                format!("pipe and socket buffers and files hold {used} bytes, more than {}", self.limits.max_fd_buffers),
                "raise it with --max-fd-buffers BYTES",
            ));
        }
        Ok(())
    }
}
