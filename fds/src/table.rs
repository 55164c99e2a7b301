//! The fd table: fd numbers → open file descriptions, with reference counts.
//!
//! Man pages: <https://man7.org/linux/man-pages/man2/close.2.html>,
//! <https://man7.org/linux/man-pages/man2/dup.2.html>,
//! <https://man7.org/linux/man-pages/man2/fcntl.2.html>,
//! <https://man7.org/linux/man-pages/man2/getrlimit.2.html> (`RLIMIT_NOFILE`). Every fact below
//! was confirmed on Linux 6.18 by `fds/probes/fdtable.c` (quoted as "probe: ...").
//!
//! Descriptions live in an arena keyed by [`FdId`] (never reused, so ordering and keys are
//! deterministic). A description is referenced by every fd number naming it and by every
//! *hold* ([`FdTable::hold`]: a thread blocked in an operation on it, as Linux's blocked syscall
//! keeps its `struct file`). When the last reference goes, the description is destroyed and the
//! call that dropped it reports a [`Destroyed`], so the shim can drop epoll interests and update
//! the peer's readiness.

use crate::description::{Description, FileStatus, StatusFlags};
use crate::error::IoError;
use crate::eventfd::EventFd;
use crate::pipe::PipeEnd;
use crate::socket::SocketEnd;
use crate::stdio::{StdStream, Stdio};
use crate::{DescriptionKind, FdId, FdNum, IdMap};
use std::collections::BTreeMap;

/// Default open-files limit: `RLIMIT_NOFILE` on the machine the probes ran on (probe:
/// "RLIMIT_NOFILE: soft=20000 hard=20000"). Configurable with [`FdTable::set_max_fds`].
pub const DEFAULT_MAX_FDS: usize = 20_000;

/// A description was destroyed: its last fd was closed and nothing holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Destroyed {
    /// The destroyed description.
    pub id: FdId,
    /// What it was.
    pub kind: DescriptionKind,
    /// The peer (other pipe end, other socket end) that still exists and whose readiness has
    /// changed: a pipe's read end gets `hup`, a write end gets `error`, a socket end hangs up.
    pub peer: Option<FdId>,
}

#[derive(Debug, Clone, Copy)]
struct FdEntry {
    id: FdId,
    /// `FD_CLOEXEC`: per fd number, not per description.
    cloexec: bool,
}

#[derive(Debug)]
struct OpenFile {
    desc: Description,
    flags: StatusFlags,
    fd_refs: usize,
    holds: usize,
}

/// Fd numbers below this are indexed; others (a limit raised past it, `dup2(fd, 1 << 20)`) are
/// searched.
const DENSE_FDS: FdNum = 1 << 16;

/// Fd numbers → entries: a vector indexed by number (fds are small and handed out lowest
/// first, so a lookup is an index, not a search), with a `BTreeMap` for numbers from
/// [`DENSE_FDS`] on. Iteration is in increasing fd order.
#[derive(Debug, Clone, Default)]
struct FdSlots {
    dense: Vec<Option<FdEntry>>,
    sparse: BTreeMap<FdNum, FdEntry>,
}

impl FdSlots {
    fn dense_index(fd: FdNum) -> Option<usize> {
        (0..DENSE_FDS).contains(&fd).then_some(fd as usize)
    }

    #[inline]
    fn get(&self, fd: FdNum) -> Option<&FdEntry> {
        match Self::dense_index(fd) {
            Some(i) => self.dense.get(i).and_then(Option::as_ref),
            None => self.sparse.get(&fd),
        }
    }

    fn get_mut(&mut self, fd: FdNum) -> Option<&mut FdEntry> {
        match Self::dense_index(fd) {
            Some(i) => self.dense.get_mut(i).and_then(Option::as_mut),
            None => self.sparse.get_mut(&fd),
        }
    }

    fn insert(&mut self, fd: FdNum, e: FdEntry) -> Option<FdEntry> {
        match Self::dense_index(fd) {
            Some(i) => {
                if i >= self.dense.len() {
                    self.dense.resize(i + 1, None);
                }
                self.dense[i].replace(e)
            }
            None => self.sparse.insert(fd, e),
        }
    }

    fn remove(&mut self, fd: FdNum) -> Option<FdEntry> {
        match Self::dense_index(fd) {
            Some(i) => {
                let old = self.dense.get_mut(i).and_then(Option::take);
                while self.dense.last().is_some_and(Option::is_none) {
                    self.dense.pop();
                }
                old
            }
            None => self.sparse.remove(&fd),
        }
    }

    /// Every open fd with its entry, in increasing fd order (no negative fd is ever inserted).
    fn iter(&self) -> impl Iterator<Item = (FdNum, &FdEntry)> + '_ {
        let dense = self.dense.iter().enumerate().filter_map(|(fd, e)| e.as_ref().map(|e| (fd as FdNum, e)));
        dense.chain(self.sparse.iter().map(|(&fd, e)| (fd, e)))
    }

    /// The highest open fd.
    fn last(&self) -> Option<FdNum> {
        // The vector ends with an open fd (see `remove`).
        self.sparse.keys().next_back().copied().or_else(|| self.dense.len().checked_sub(1).map(|fd| fd as FdNum))
    }
}

/// The fd numbers of a process that is not the current one ([`FdTable::fork_numbers`],
/// [`FdTable::swap_numbers`]).
#[derive(Debug, Default)]
pub struct FdNumbers {
    fds: FdSlots,
    dense_below: FdNum,
    size: usize,
}

/// The size of a new fd table (the kernel's `NR_OPEN_DEFAULT`, `BITS_PER_LONG`).
const FDTABLE_MIN: usize = 64;

/// The size the kernel gives a table that must hold fd `fd` (`alloc_fdtable`: 1 KiB of
/// pointers, 128 fds, times the next power of two): 128 for fd 64, 512 for fd 300.
fn fdtable_size_for(fd: FdNum) -> usize {
    ((fd.max(0) as usize / 128) + 1).next_power_of_two() * 128
}

/// The fd table: the current guest process's fd numbers, and every process's descriptions.
#[derive(Debug)]
pub struct FdTable {
    fds: FdSlots,
    /// Boxed: a destroyed description's hole in the map costs a pointer.
    files: IdMap<Box<OpenFile>>,
    next_id: u64,
    max_fds: usize,
    /// Every fd number below this is open (a lower bound for the lowest free number).
    dense_below: std::cell::Cell<FdNum>,
    /// The size of the current process's fd table, as Linux grows it (the kernel's
    /// `fdt->max_fds`, 0 for [`FDTABLE_MIN`]): it grows when an fd at or above it is opened and
    /// never shrinks; `select` looks at no fd above it.
    size: usize,
}

impl Default for FdTable {
    fn default() -> Self {
        Self::new()
    }
}

impl FdTable {
    /// A table with fds 0, 1 and 2 open on stdin, stdout and stderr (descriptions 0, 1 and 2),
    /// and the [`DEFAULT_MAX_FDS`] limit. The first new fd is 3 (probe: "first new fd: 3").
    pub fn new() -> Self {
        let mut table = FdTable {
            fds: FdSlots::default(),
            files: IdMap::new(),
            next_id: 0,
            max_fds: DEFAULT_MAX_FDS,
            dense_below: std::cell::Cell::new(0),
            size: 0,
        };
        for (fd, stream) in [(0, StdStream::Stdin), (1, StdStream::Stdout), (2, StdStream::Stderr)] {
            let id = table.new_file(Description::Stdio(Stdio::new(stream)), StatusFlags::default());
            table.attach(fd, id, false);
        }
        table
    }

    /// The open-files limit (`RLIMIT_NOFILE`): fd numbers must be below it.
    pub fn max_fds(&self) -> usize {
        self.max_fds
    }

    /// The size of the current process's fd table as Linux would have grown it (`fdt->max_fds`:
    /// 64, then 128, 256, 512, … as fds at or above it are opened; a forked child's fits its
    /// parent's highest open fd). `select` caps `nfds` at it (probe
    /// `shims/probes/poll_scenarios/select_table.c`).
    pub fn table_size(&self) -> usize {
        self.size.max(FDTABLE_MIN)
    }

    /// Fd `fd` is being opened: the table grows to hold it.
    fn grow(&mut self, fd: FdNum) {
        if fd.max(0) as usize >= self.table_size() {
            self.size = fdtable_size_for(fd);
        }
    }

    /// Sets the open-files limit. Fds already open at or above it stay open, as on Linux.
    pub fn set_max_fds(&mut self, max: usize) {
        self.max_fds = max;
    }

    // ----- creation -----

    /// `eventfd(initval, flags)`: `semaphore` = `EFD_SEMAPHORE`, `nonblock` = `EFD_NONBLOCK`,
    /// `cloexec` = `EFD_CLOEXEC` (probe `eventfd.c`: "getfd eventfd(0,
    /// EFD_CLOEXEC|EFD_NONBLOCK): 1", "getfl ...: O_RDWR|O_NONBLOCK" — `O_CLOEXEC` is not a
    /// status flag). Unknown flags are `EINVAL` in the shim (probe: "eventfd(0, 0x4) unknown
    /// flag: EINVAL"). [`IoError::TooManyOpenFiles`] if no fd number is free.
    pub fn eventfd(&mut self, initval: u32, semaphore: bool, nonblock: bool, cloexec: bool) -> Result<FdNum, IoError> {
        let fd = self.lowest_free(0).ok_or(IoError::TooManyOpenFiles)?;
        let id = self.new_file(Description::EventFd(EventFd::new(initval, semaphore)), StatusFlags { nonblock, append: false });
        self.attach(fd, id, cloexec);
        Ok(fd)
    }

    /// A description implemented by the shim layer (an epoll instance, a timerfd), on the lowest free fd.
    /// Returns the fd and the description's id.
    pub fn host_file(&mut self, name: &'static str, nonblock: bool, cloexec: bool) -> Result<(FdNum, FdId), IoError> {
        let fd = self.lowest_free(0).ok_or(IoError::TooManyOpenFiles)?;
        let id = self.new_file(Description::Host(crate::description::HostFile { name }), StatusFlags { nonblock, append: false });
        self.attach(fd, id, cloexec);
        Ok((fd, id))
    }

    /// A file opened by name (`open`, `openat`) on the lowest free fd, with its status flags
    /// (`O_NONBLOCK`, `O_APPEND`). Returns the fd and the description's id.
    pub fn open_file(&mut self, file: crate::file::File, flags: StatusFlags, cloexec: bool) -> Result<(FdNum, FdId), IoError> {
        let fd = self.lowest_free(0).ok_or(IoError::TooManyOpenFiles)?;
        let mut file = file;
        file.set_append(flags.append);
        let id = self.new_file(Description::File(file), flags);
        self.attach(fd, id, cloexec);
        Ok((fd, id))
    }

    /// `pipe2(pipefd, flags)` (`O_NONBLOCK`, `O_CLOEXEC`, applied to both ends; probe `pipe.c`:
    /// "getfl pipe2(O_NONBLOCK|O_CLOEXEC): O_RDONLY|O_NONBLOCK (0x800) O_WRONLY|O_NONBLOCK
    /// (0x801)", "getfd ...: 1 1"). Returns `[read end, write end]` on the two lowest free
    /// numbers; with fewer than two free, [`IoError::TooManyOpenFiles`] and nothing allocated
    /// (probe: "one free: pipe: EMFILE fds=-7,-7", "next free is still 15").
    pub fn pipe(&mut self, nonblock: bool, cloexec: bool) -> Result<[FdNum; 2], IoError> {
        let fds = self.two_free()?;
        let ids = [FdId(self.next_id), FdId(self.next_id + 1)];
        let (rd, wr) = PipeEnd::pair(ids[0], ids[1]);
        self.install_pair(fds, [Description::Pipe(rd), Description::Pipe(wr)], nonblock, cloexec, ids);
        Ok(fds)
    }

    /// `socketpair(AF_UNIX, SOCK_STREAM | flags, 0, sv)` (`SOCK_NONBLOCK`, `SOCK_CLOEXEC` on
    /// both ends; probe `socketpair.c`: "getfl socketpair(SOCK_NONBLOCK|SOCK_CLOEXEC):
    /// O_RDWR|O_NONBLOCK (0x802) O_RDWR|O_NONBLOCK (0x802)", "getfd ...: 1 1"). Like
    /// [`FdTable::pipe`] for numbering and `EMFILE` (probe: "one free: socketpair: EMFILE").
    pub fn socketpair(&mut self, nonblock: bool, cloexec: bool) -> Result<[FdNum; 2], IoError> {
        let fds = self.two_free()?;
        let ids = [FdId(self.next_id), FdId(self.next_id + 1)];
        let (a, b) = SocketEnd::pair(ids);
        self.install_pair(fds, [Description::Socket(a), Description::Socket(b)], nonblock, cloexec, ids);
        Ok(fds)
    }

    fn two_free(&self) -> Result<[FdNum; 2], IoError> {
        let a = self.lowest_free(0).ok_or(IoError::TooManyOpenFiles)?;
        let b = self.lowest_free(a + 1).ok_or(IoError::TooManyOpenFiles)?;
        Ok([a, b])
    }

    fn install_pair(&mut self, fds: [FdNum; 2], descs: [Description; 2], nonblock: bool, cloexec: bool, ids: [FdId; 2]) {
        for ((fd, desc), expected) in fds.into_iter().zip(descs).zip(ids) {
            let id = self.new_file(desc, StatusFlags { nonblock, append: false });
            debug_assert_eq!(id, expected);
            self.attach(fd, id, cloexec);
        }
    }

    fn new_file(&mut self, desc: Description, flags: StatusFlags) -> FdId {
        let id = FdId(self.next_id);
        self.next_id += 1;
        self.files.insert(id, Box::new(OpenFile { desc, flags, fd_refs: 0, holds: 0 }));
        id
    }

    /// Points `fd` (which must be free) at `id`.
    fn attach(&mut self, fd: FdNum, id: FdId, cloexec: bool) {
        self.files.get_mut(id).expect("attach to a live description").fd_refs += 1;
        self.grow(fd);
        let old = self.fds.insert(fd, FdEntry { id, cloexec });
        debug_assert!(old.is_none());
    }

    /// The lowest fd number `>= min` that is free and below the limit (POSIX: "the lowest
    /// numbered file descriptor not currently open"; probe: "after closing 4, next new fd: 4").
    fn lowest_free(&self, min: FdNum) -> Option<FdNum> {
        // Every number below `dense_below` is open, so the scan can start there: allocating fds
        // one after another stays O(log n) instead of rescanning from 0 each time.
        let min = min.max(0);
        let dense = self.dense_below.get();
        let mut candidate = min.max(dense);
        while self.fds.get(candidate).is_some() {
            candidate = candidate.checked_add(1)?;
        }
        if min <= dense {
            self.dense_below.set(candidate);
        }
        self.below_limit(candidate).then_some(candidate)
    }

    /// The two lowest free fd numbers below the limit (for `pipe` and `socketpair`), without
    /// rescanning the table from 0: a full table answers in O(log n).
    pub fn two_lowest_free(&self) -> Option<[FdNum; 2]> {
        let first = self.lowest_free(0)?;
        let second = self.lowest_free(first.checked_add(1)?)?;
        Some([first, second])
    }

    fn below_limit(&self, fd: FdNum) -> bool {
        usize::try_from(fd).is_ok_and(|fd| fd < self.max_fds)
    }

    // ----- lookup -----

    /// The description `fd` names; [`IoError::BadFd`] for negative, huge or closed numbers
    /// (probe: "close(-1): EBADF", "close(1<<30): EBADF", "F_GETFD(-1): EBADF").
    pub fn lookup(&self, fd: FdNum) -> Result<FdId, IoError> {
        self.fds.get(fd).map(|e| e.id).ok_or(IoError::BadFd)
    }

    /// The description with this id, while it exists.
    pub fn get(&self, id: FdId) -> Option<&Description> {
        self.files.get(id).map(|f| &f.desc)
    }

    /// The description with this id, mutably, while it exists.
    pub fn get_mut(&mut self, id: FdId) -> Option<&mut Description> {
        self.files.get_mut(id).map(|f| &mut f.desc)
    }

    /// `lookup` then `get_mut`, for the common "operate on this fd" path.
    pub fn description_mut(&mut self, fd: FdNum) -> Result<(FdId, &mut Description), IoError> {
        let id = self.lookup(fd)?;
        let desc = self.get_mut(id).expect("fd entries name live descriptions");
        Ok((id, desc))
    }

    /// Whether the description still exists.
    pub fn is_live(&self, id: FdId) -> bool {
        self.files.contains_key(id)
    }

    /// The peer of a pipe or socket end, while both exist.
    pub fn peer_of(&self, id: FdId) -> Option<FdId> {
        self.get(id).and_then(Description::peer)
    }

    /// `(fd numbers, holds)` referencing the description.
    pub fn refs(&self, id: FdId) -> Option<(usize, usize)> {
        self.files.get(id).map(|f| (f.fd_refs, f.holds))
    }

    /// Every open fd number with its description, in increasing fd order.
    pub fn open_fds(&self) -> impl Iterator<Item = (FdNum, FdId)> + '_ {
        self.fds.iter().map(|(fd, e)| (fd, e.id))
    }

    /// Host bytes buffered by every live pipe and socket (data and per-chunk bookkeeping).
    pub fn buffer_footprint(&self) -> usize {
        self.files.values().map(|f| f.desc.buffer_footprint()).sum()
    }

    /// Every live description, in increasing id order.
    pub fn descriptions(&self) -> impl Iterator<Item = (FdId, &Description)> + '_ {
        self.files.iter().map(|(id, f)| (id, &f.desc))
    }

    // ----- close and lifetime -----

    /// `close(fd)`. [`IoError::BadFd`] if it is not open (probe: "close again: EBADF"). Returns
    /// the destroyed description if this was its last reference (otherwise, e.g. with a `dup`
    /// or a hold left, it lives on; probe `pipe.c`: "write end closed but dup open:
    /// read=none", "dup closed too: read=HUP").
    pub fn close(&mut self, fd: FdNum) -> Result<Option<Destroyed>, IoError> {
        let entry = self.fds.remove(fd).ok_or(IoError::BadFd)?;
        if fd < self.dense_below.get() {
            self.dense_below.set(fd);
        }
        Ok(self.unref_fd(entry.id))
    }

    // ----- processes -----

    /// `fork`: a copy of the current fd numbers for a new process, each naming the same
    /// description (one more reference each: a description lives while any process has an fd
    /// of it), with its `FD_CLOEXEC` flag. The copy is parked until [`FdTable::swap_numbers`]
    /// makes it current.
    pub fn fork_numbers(&mut self) -> FdNumbers {
        for (_, e) in self.fds.iter() {
            if let Some(f) = self.files.get_mut(e.id) {
                f.fd_refs += 1;
            }
        }
        // The child's table fits the highest open fd (`dup_fd`), whatever the parent's grew to.
        let size = match self.fds.last() {
            Some(top) if top as usize >= FDTABLE_MIN => fdtable_size_for(top),
            _ => 0,
        };
        FdNumbers { fds: self.fds.clone(), dense_below: self.dense_below.get(), size }
    }

    /// Makes `other` the current process's fd numbers, parking the current ones in it
    /// (descriptions are shared by all processes; only the numbers are per process).
    pub fn swap_numbers(&mut self, other: &mut FdNumbers) {
        std::mem::swap(&mut self.fds, &mut other.fds);
        std::mem::swap(&mut self.size, &mut other.size);
        let dense = self.dense_below.replace(other.dense_below);
        other.dense_below = dense;
    }

    /// Closes every fd of the current process (its exit), in increasing order; returns the
    /// descriptions that this destroyed.
    pub fn close_all(&mut self) -> Vec<Destroyed> {
        let fds: Vec<FdNum> = self.fds.iter().map(|(fd, _)| fd).collect();
        fds.into_iter().filter_map(|fd| self.close(fd).ok().flatten()).collect()
    }

    /// A blocked operation takes a reference on the description so that closing its fds does
    /// not destroy it (Linux: the blocked syscall holds the `struct file`). Returns `false` if the
    /// description no longer exists.
    pub fn hold(&mut self, id: FdId) -> bool {
        match self.files.get_mut(id) {
            Some(f) => {
                f.holds += 1;
                true
            }
            None => false,
        }
    }

    /// Drops a reference taken by [`FdTable::hold`]; destroys the description if it was the last
    /// one. Releasing something not held does nothing.
    pub fn release(&mut self, id: FdId) -> Option<Destroyed> {
        let f = self.files.get_mut(id)?;
        if f.holds == 0 {
            return None;
        }
        f.holds -= 1;
        self.destroy_if_unreferenced(id)
    }

    fn unref_fd(&mut self, id: FdId) -> Option<Destroyed> {
        let f = self.files.get_mut(id).expect("fd entries name live descriptions");
        f.fd_refs -= 1;
        self.destroy_if_unreferenced(id)
    }

    fn destroy_if_unreferenced(&mut self, id: FdId) -> Option<Destroyed> {
        let f = self.files.get(id)?;
        if f.fd_refs > 0 || f.holds > 0 {
            return None;
        }
        let mut f = self.files.remove(id).expect("checked above");
        let peer = f.desc.peer();
        let kind = f.desc.kind();
        f.desc.on_destroy();
        Some(Destroyed { id, kind, peer })
    }

    // ----- dup family -----

    /// `dup(fd)`: the lowest free number, sharing the description, without `FD_CLOEXEC` (probe:
    /// "dup(3): 4", "dup(60) of a cloexec fd: getfd=0"). `EBADF` before `EMFILE` (probe: "dup(-1):
    /// EBADF"; with the table full, "dup: EMFILE").
    pub fn dup(&mut self, fd: FdNum) -> Result<FdNum, IoError> {
        self.dup_min(fd, 0, false)
    }

    /// `fcntl(fd, F_DUPFD, min)` / `F_DUPFD_CLOEXEC` (`cloexec`): the lowest free number `>=
    /// min` (probe: "F_DUPFD(3, 40): 40", "again: 41", "F_DUPFD(3, 0): 6", "F_DUPFD_CLOEXEC(3,
    /// 60): 60 getfd=1"). `min` is the kernel's `int` argument: the shim truncates the guest's
    /// `long` like the kernel does (probe: "F_DUPFD(3, 1<<32 + 45) ...: 45").
    ///
    /// Errors: `fd` not open → [`IoError::BadFd`] first (probe: "F_DUPFD(100, 0) bad fd:
    /// EBADF"); `min` negative or not below the limit → [`IoError::InvalidArgument`] (probe:
    /// "F_DUPFD(3, -1): EINVAL", "F_DUPFD(3, soft limit): EINVAL"); no free number →
    /// [`IoError::TooManyOpenFiles`] (probe: "F_DUPFD(3, 0): EMFILE").
    pub fn dup_min(&mut self, fd: FdNum, min: FdNum, cloexec: bool) -> Result<FdNum, IoError> {
        let id = self.lookup(fd)?;
        if !self.below_limit(min) {
            return Err(IoError::InvalidArgument);
        }
        let new = self.lowest_free(min).ok_or(IoError::TooManyOpenFiles)?;
        self.attach(new, id, cloexec);
        Ok(new)
    }

    /// `dup2(old, new)`: makes `new` name `old`'s description (closing what `new` named, which
    /// may destroy it: probe "dup2(eventfd, pipe write end) ... read on the pipe: 0"), without
    /// `FD_CLOEXEC` (probe: "dup2(3, 51) over a cloexec fd: ... getfd(51)=0"). Returns `new` and
    /// what was destroyed.
    ///
    /// `old == new`: returns `new` if open, else [`IoError::BadFd`] (probe: "dup2(3, 3) same
    /// valid: 3", "dup2(100, 100) same invalid: EBADF"). `new` negative or not below the limit
    /// → [`IoError::BadFd`] (probe: "dup2(3, -1): EBADF", "dup2(3, soft limit): EBADF",
    /// "dup2(3, soft limit - 1): 19999").
    pub fn dup2(&mut self, old: FdNum, new: FdNum) -> Result<(FdNum, Option<Destroyed>), IoError> {
        if old == new {
            self.lookup(old)?;
            return Ok((new, None));
        }
        self.replace(old, new, false)
    }

    /// `dup3(old, new, flags)` with `cloexec` = `O_CLOEXEC` (other flags are `EINVAL` in the
    /// shim; probe: "dup3(3, 51, O_NONBLOCK): EINVAL"). `old == new` → [`IoError::InvalidArgument`]
    /// even if not open (probe: "dup3(3, 3, 0) same: EINVAL", "dup3(100, 100, 0) same invalid:
    /// EINVAL"); otherwise like [`FdTable::dup2`] (probe: "dup3(3, 51, O_CLOEXEC): 51",
    /// "getfd(51)=1", "dup3(100, 51, 0): EBADF").
    pub fn dup3(&mut self, old: FdNum, new: FdNum, cloexec: bool) -> Result<(FdNum, Option<Destroyed>), IoError> {
        if old == new {
            return Err(IoError::InvalidArgument);
        }
        self.replace(old, new, cloexec)
    }

    fn replace(&mut self, old: FdNum, new: FdNum, cloexec: bool) -> Result<(FdNum, Option<Destroyed>), IoError> {
        // Linux checks `new` against the limit before looking `old` up; both are EBADF.
        if !self.below_limit(new) {
            return Err(IoError::BadFd);
        }
        let id = self.lookup(old)?;
        // Reference the new description before dropping the old one: they may be the same.
        self.files.get_mut(id).expect("fd entries name live descriptions").fd_refs += 1;
        self.grow(new);
        let previous = self.fds.insert(new, FdEntry { id, cloexec });
        let destroyed = previous.and_then(|e| self.unref_fd(e.id));
        Ok((new, destroyed))
    }

    // ----- fcntl flags -----

    /// `F_GETFD`: whether `FD_CLOEXEC` is set on this fd number (probe: "getfd pipe(): 0 0").
    pub fn cloexec(&self, fd: FdNum) -> Result<bool, IoError> {
        self.fds.get(fd).map(|e| e.cloexec).ok_or(IoError::BadFd)
    }

    /// `F_SETFD`: sets or clears `FD_CLOEXEC` on this fd number only; the shim passes
    /// `(int)arg & FD_CLOEXEC` (probe: "F_SETFD(3, 0xff): 0 ... getfd=1", "F_SETFD(3, 1<<32 |
    /// 1): 0 ... getfd=1").
    pub fn set_cloexec(&mut self, fd: FdNum, cloexec: bool) -> Result<(), IoError> {
        let e = self.fds.get_mut(fd).ok_or(IoError::BadFd)?;
        e.cloexec = cloexec;
        Ok(())
    }

    /// `F_GETFL` (probe: "F_GETFL(100): EBADF").
    pub fn file_status(&self, fd: FdNum) -> Result<FileStatus, IoError> {
        let f = self.files.get(self.lookup(fd)?).expect("fd entries name live descriptions");
        Ok(FileStatus { access: f.desc.access_mode(), flags: f.flags, largefile: f.desc.largefile(), accmode: f.desc.accmode() })
    }

    /// `F_SETFL`: replaces the description's changeable status flags, seen through every fd
    /// that shares it (probe: "F_SETFL(3, O_NONBLOCK): 0", "getfl of its dup 60:
    /// O_RDWR|O_NONBLOCK"; the other end of a pipe is another description: "getfl write end
    /// after setfl on read end: O_WRONLY").
    pub fn set_status_flags(&mut self, fd: FdNum, flags: StatusFlags) -> Result<(), IoError> {
        let id = self.lookup(fd)?;
        let f = self.files.get_mut(id).expect("fd entries name live descriptions");
        f.flags = flags;
        if let Description::File(file) = &mut f.desc {
            file.set_append(flags.append);
        }
        Ok(())
    }

    /// The description's status flags (`O_NONBLOCK` decides whether the shim blocks).
    pub fn status_flags(&self, id: FdId) -> Option<StatusFlags> {
        self.files.get(id).map(|f| f.flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::description::AccessMode;
    use spindle_vm::clock::VClock;

    fn table() -> FdTable {
        FdTable::new()
    }

    /// Fd numbers past the indexed range (a raised limit) are found, listed in order after the
    /// small ones, closed, and give the lowest free number back as before.
    #[test]
    fn fds_past_the_indexed_range_behave_as_small_ones() {
        let mut t = table();
        t.set_max_fds(1 << 20);
        let e = t.eventfd(0, false, false, false).unwrap();
        let id = t.lookup(e).unwrap();
        let high = DENSE_FDS + 5;
        assert_eq!(t.dup2(e, high).map(|r| r.0), Ok(high));
        assert_eq!(t.dup2(e, DENSE_FDS - 1).map(|r| r.0), Ok(DENSE_FDS - 1));
        assert_eq!(t.lookup(high), Ok(id));
        assert_eq!(t.lookup(-1), Err(IoError::BadFd));
        assert_eq!(t.lookup(DENSE_FDS), Err(IoError::BadFd));
        assert_eq!(t.open_fds().map(|(fd, _)| fd).collect::<Vec<_>>(), vec![0, 1, 2, e, DENSE_FDS - 1, high]);
        assert_eq!(t.refs(id), Some((3, 0)));
        assert_eq!(t.close(e).unwrap(), None);
        assert_eq!(t.lowest_free(0), Some(e));
        assert_eq!(t.close(DENSE_FDS - 1).unwrap(), None);
        assert_eq!(t.close(high).unwrap().map(|d| d.id), Some(id), "the last fd destroys it");
        assert_eq!(t.open_fds().count(), 3);
        assert_eq!(t.fds.last(), Some(2));
    }

    /// A fork's copy names the same descriptions: a description outlives the close of its fd in
    /// one process while the other has one, and goes with the last (probe fork_epoll.c: "child
    /// exits: …", then the interest is gone).
    #[test]
    fn forked_numbers_share_descriptions_until_the_last_fd_in_any_process() {
        let mut t = table();
        let [r, w] = t.pipe(false, false).unwrap();
        let rd = t.lookup(r).unwrap();
        let mut child = t.fork_numbers();
        assert_eq!(t.refs(rd), Some((2, 0)));
        assert_eq!(t.close(r).unwrap(), None, "the child's fd keeps the read end");
        t.swap_numbers(&mut child);
        assert_eq!(t.lookup(r), Ok(rd), "the child's table still has fd {r}");
        assert_eq!(t.lowest_free(0), Some(5), "the child's numbers: 0-4 open");
        let destroyed = t.close_all();
        assert_eq!(destroyed.iter().map(|d| d.id).collect::<Vec<_>>(), vec![rd], "only the read end had no other fd");
        t.swap_numbers(&mut child);
        assert_eq!(t.lookup(r), Err(IoError::BadFd));
        assert!(t.lookup(w).is_ok());
        assert_eq!(t.lowest_free(0), Some(3));
    }

    fn ev(t: &mut FdTable) -> FdNum {
        t.eventfd(0, false, false, false).unwrap()
    }

    fn ready(t: &FdTable, fd: FdNum) -> String {
        t.get(t.lookup(fd).unwrap()).unwrap().readiness().to_string()
    }

    #[test]
    fn stdio_is_preset_and_the_first_new_fd_is_3() {
        let mut t = table();
        let kinds: Vec<_> = t.open_fds().map(|(fd, id)| (fd, t.get(id).unwrap().kind())).collect();
        assert_eq!(kinds, [(0, DescriptionKind::Stdin), (1, DescriptionKind::Stdout), (2, DescriptionKind::Stderr)]);
        assert_eq!(ev(&mut t), 3);
        assert_eq!((ev(&mut t), ev(&mut t)), (4, 5));
    }

    #[test]
    fn the_lowest_free_number_is_reused() {
        let mut t = table();
        let [_a, b, _c] = [ev(&mut t), ev(&mut t), ev(&mut t)];
        t.close(b).unwrap();
        assert_eq!(ev(&mut t), b);
    }

    #[test]
    fn closing_twice_or_bad_numbers_is_ebadf() {
        let mut t = table();
        let a = ev(&mut t);
        assert!(t.close(a).is_ok());
        assert_eq!(t.close(a), Err(IoError::BadFd));
        for fd in [-1, 1 << 30, i32::MAX, i32::MIN] {
            assert_eq!(t.close(fd), Err(IoError::BadFd));
            assert_eq!(t.dup(fd), Err(IoError::BadFd));
            assert_eq!(t.cloexec(fd), Err(IoError::BadFd));
            assert_eq!(t.file_status(fd).map(|_| ()), Err(IoError::BadFd));
        }
    }

    #[test]
    fn close_reports_destruction_only_for_the_last_reference() {
        let mut t = table();
        let a = ev(&mut t);
        let id = t.lookup(a).unwrap();
        let d = t.dup(a).unwrap();
        assert_eq!(t.refs(id), Some((2, 0)));
        assert_eq!(t.close(a), Ok(None));
        assert_eq!(t.close(d), Ok(Some(Destroyed { id, kind: DescriptionKind::EventFd, peer: None })));
        assert!(!t.is_live(id));
    }

    #[test]
    fn a_hold_keeps_the_description_alive_after_close() {
        let mut t = table();
        let a = ev(&mut t);
        let id = t.lookup(a).unwrap();
        assert!(t.hold(id));
        assert_eq!(t.close(a), Ok(None));
        assert!(t.is_live(id));
        assert_eq!(t.release(id).map(|d| d.id), Some(id));
        assert!(!t.is_live(id));
        assert!(!t.hold(id));
        assert_eq!(t.release(id), None);
    }

    #[test]
    fn release_without_hold_does_nothing() {
        let mut t = table();
        let fd = ev(&mut t);
        let id = t.lookup(fd).unwrap();
        assert_eq!(t.release(id), None);
        assert_eq!(t.refs(id), Some((1, 0)));
    }

    #[test]
    fn dup_takes_the_lowest_free_number_and_clears_cloexec() {
        let mut t = table();
        let a = t.eventfd(0, false, false, true).unwrap();
        assert_eq!(t.dup(a), Ok(4));
        assert_eq!(t.cloexec(4), Ok(false));
        assert_eq!(t.cloexec(a), Ok(true));
        assert_eq!(t.lookup(4), t.lookup(a));
        assert_eq!(t.dup(100), Err(IoError::BadFd));
    }

    #[test]
    fn dup2_same_fd_is_a_no_op_if_open() {
        let mut t = table();
        let a = ev(&mut t);
        assert_eq!(t.dup2(a, a), Ok((a, None)));
        assert_eq!(t.refs(t.lookup(a).unwrap()), Some((1, 0)));
        assert_eq!(t.dup2(100, 100), Err(IoError::BadFd));
    }

    #[test]
    fn dup2_range_checks() {
        let mut t = table();
        let a = ev(&mut t);
        assert_eq!(t.dup2(a, -1), Err(IoError::BadFd));
        assert_eq!(t.dup2(-1, 50), Err(IoError::BadFd));
        assert_eq!(t.dup2(a, 50).map(|r| r.0), Ok(50));
        assert_eq!(t.dup2(a, 20000), Err(IoError::BadFd));
        assert_eq!(t.dup2(a, 19999).map(|r| r.0), Ok(19999));
        assert_eq!(t.dup2(100, 20000), Err(IoError::BadFd));
    }

    #[test]
    fn dup2_over_an_open_fd_closes_it() {
        let mut t = table();
        let [rd, wr] = t.pipe(true, false).unwrap();
        let wr_id = t.lookup(wr).unwrap();
        let e = ev(&mut t);
        let (n, destroyed) = t.dup2(e, wr).unwrap();
        assert_eq!(n, wr);
        let rd_id = t.lookup(rd).unwrap();
        assert_eq!(destroyed, Some(Destroyed { id: wr_id, kind: DescriptionKind::PipeWrite, peer: Some(rd_id) }));
        let (_, desc) = t.description_mut(rd).unwrap();
        assert_eq!(desc.read(&mut [0; 1], &mut VClock::new()), Ok(0));
    }

    #[test]
    fn dup2_onto_a_dup_of_itself_keeps_the_description() {
        let mut t = table();
        let a = ev(&mut t);
        let b = t.dup(a).unwrap();
        let id = t.lookup(a).unwrap();
        assert_eq!(t.dup2(a, b), Ok((b, None)));
        assert_eq!(t.refs(id), Some((2, 0)));
    }

    #[test]
    fn dup2_clears_and_dup3_sets_cloexec() {
        let mut t = table();
        let a = ev(&mut t);
        assert_eq!(t.dup3(a, 51, true).map(|r| r.0), Ok(51));
        assert_eq!(t.cloexec(51), Ok(true));
        assert_eq!(t.dup2(a, 51).map(|r| r.0), Ok(51));
        assert_eq!(t.cloexec(51), Ok(false));
    }

    #[test]
    fn dup3_same_fd_is_einval_even_when_closed() {
        let mut t = table();
        let a = ev(&mut t);
        assert_eq!(t.dup3(a, a, false), Err(IoError::InvalidArgument));
        assert_eq!(t.dup3(100, 100, false), Err(IoError::InvalidArgument));
        assert_eq!(t.dup3(100, 51, false), Err(IoError::BadFd));
    }

    #[test]
    fn f_dupfd_takes_the_lowest_free_at_or_above_min() {
        let mut t = table();
        let a = ev(&mut t);
        t.dup(a).unwrap();
        t.eventfd(0, false, false, false).unwrap();
        assert_eq!(t.dup_min(a, 40, false), Ok(40));
        assert_eq!(t.dup_min(a, 40, false), Ok(41));
        assert_eq!(t.dup_min(a, 0, false), Ok(6));
        assert_eq!(t.dup_min(a, -1, false), Err(IoError::InvalidArgument));
        assert_eq!(t.dup_min(a, 20000, false), Err(IoError::InvalidArgument));
        assert_eq!(t.dup_min(a, 19999, false), Ok(19999));
        assert_eq!(t.dup_min(100, 0, false), Err(IoError::BadFd));
        assert_eq!(t.dup_min(100, -1, false), Err(IoError::BadFd));
        let c = t.dup_min(a, 60, true).unwrap();
        assert_eq!((c, t.cloexec(c), t.cloexec(a)), (60, Ok(true), Ok(false)));
    }

    #[test]
    fn cloexec_is_per_number_and_status_flags_per_description() {
        let mut t = table();
        let a = ev(&mut t);
        let d = t.dup_min(a, 60, true).unwrap();
        t.set_cloexec(a, true).unwrap();
        assert_eq!(t.cloexec(a), Ok(true));
        t.set_cloexec(a, false).unwrap();
        assert_eq!(t.cloexec(a), Ok(false));
        assert_eq!(t.cloexec(d), Ok(true));
        assert_eq!(t.set_cloexec(100, true), Err(IoError::BadFd));
        t.set_status_flags(a, StatusFlags { nonblock: true, append: false }).unwrap();
        let st = t.file_status(d).unwrap();
        assert_eq!((st.access, st.flags.nonblock, st.largefile), (AccessMode::ReadWrite, true, false));
        assert_eq!(t.set_status_flags(100, StatusFlags::default()), Err(IoError::BadFd));
    }

    #[test]
    fn creation_flags_map_to_status_and_fd_flags() {
        let mut t = table();
        let e = t.eventfd(0, false, true, true).unwrap();
        let st = t.file_status(e).unwrap();
        assert_eq!((st.access, st.flags.nonblock, t.cloexec(e)), (AccessMode::ReadWrite, true, Ok(true)));
        let [rd, wr] = t.pipe(false, false).unwrap();
        assert_eq!((rd, wr), (4, 5));
        assert_eq!(t.file_status(rd).unwrap().access, AccessMode::ReadOnly);
        assert_eq!(t.file_status(wr).unwrap().access, AccessMode::WriteOnly);
        assert_eq!((t.cloexec(rd), t.cloexec(wr)), (Ok(false), Ok(false)));
        let [p, q] = t.pipe(true, true).unwrap();
        assert!(t.file_status(p).unwrap().flags.nonblock && t.file_status(q).unwrap().flags.nonblock);
        assert_eq!((t.cloexec(p), t.cloexec(q)), (Ok(true), Ok(true)));
        t.set_status_flags(p, StatusFlags { nonblock: false, append: true }).unwrap();
        assert_eq!(t.file_status(p).unwrap().flags, StatusFlags { nonblock: false, append: true });
        assert!(t.file_status(q).unwrap().flags.nonblock, "the other end is another description");
        let [s0, s1] = t.socketpair(true, true).unwrap();
        for s in [s0, s1] {
            let st = t.file_status(s).unwrap();
            assert_eq!((st.access, st.flags.nonblock, t.cloexec(s)), (AccessMode::ReadWrite, true, Ok(true)));
        }
        for fd in 0..3 {
            assert!(t.file_status(fd).unwrap().largefile);
        }
        assert_eq!(t.file_status(0).unwrap().access, AccessMode::ReadOnly);
        assert_eq!(t.file_status(1).unwrap().access, AccessMode::WriteOnly);
    }

    #[test]
    fn emfile_when_no_number_is_free_below_the_limit() {
        let mut t = table();
        t.set_max_fds(16);
        let mut last = None;
        while let Ok(fd) = t.eventfd(0, false, false, false) {
            last = Some(fd);
        }
        assert_eq!(last, Some(15));
        assert_eq!(t.eventfd(0, false, false, false), Err(IoError::TooManyOpenFiles));
        assert_eq!(t.dup(3), Err(IoError::TooManyOpenFiles));
        assert_eq!(t.dup_min(3, 0, false), Err(IoError::TooManyOpenFiles));
        assert_eq!(t.dup_min(3, 16, false), Err(IoError::InvalidArgument));
        assert_eq!(t.dup2(3, 16), Err(IoError::BadFd));
        assert_eq!(t.dup2(3, 15).map(|r| r.0), Ok(15));
        assert_eq!(t.socketpair(false, false), Err(IoError::TooManyOpenFiles));
        assert_eq!(t.pipe(false, false), Err(IoError::TooManyOpenFiles));
        t.close(15).unwrap();
        let live = t.descriptions().count();
        assert_eq!(t.pipe(false, false), Err(IoError::TooManyOpenFiles));
        assert_eq!(t.socketpair(false, false), Err(IoError::TooManyOpenFiles));
        assert_eq!(t.descriptions().count(), live, "a failed pipe allocates nothing");
        assert_eq!(t.eventfd(0, false, false, false), Ok(15));
    }

    #[test]
    fn ids_are_never_reused() {
        let mut t = table();
        let a = ev(&mut t);
        let first = t.lookup(a).unwrap();
        t.close(a).unwrap();
        let b = ev(&mut t);
        assert_eq!(a, b);
        assert!(t.lookup(b).unwrap() > first);
    }

    #[test]
    fn closing_a_pipe_end_reports_the_peer_and_changes_its_readiness() {
        let mut t = table();
        let [rd, wr] = t.pipe(true, false).unwrap();
        let (rd_id, wr_id) = (t.lookup(rd).unwrap(), t.lookup(wr).unwrap());
        assert_eq!(t.peer_of(rd_id), Some(wr_id));
        assert_eq!(ready(&t, rd), "none");
        let d = t.close(wr).unwrap().unwrap();
        assert_eq!(d, Destroyed { id: wr_id, kind: DescriptionKind::PipeWrite, peer: Some(rd_id) });
        assert_eq!(ready(&t, rd), "HUP");
        assert_eq!(t.peer_of(rd_id), None);
        assert_eq!(t.close(rd).unwrap().unwrap().peer, None);
    }

    #[test]
    fn closing_the_read_end_breaks_the_pipe() {
        let mut t = table();
        let [rd, wr] = t.pipe(true, false).unwrap();
        t.close(rd).unwrap();
        assert_eq!(ready(&t, wr), "OUT|ERR");
        let (_, d) = t.description_mut(wr).unwrap();
        assert_eq!(d.write(b"x", &VClock::new()), Err(IoError::BrokenPipe));
    }

    #[test]
    fn a_dup_keeps_a_pipe_end_open() {
        let mut t = table();
        let [rd, wr] = t.pipe(true, false).unwrap();
        let d = t.dup(wr).unwrap();
        assert_eq!(t.close(wr), Ok(None));
        assert_eq!(ready(&t, rd), "none");
        assert!(t.close(d).unwrap().is_some());
        assert_eq!(ready(&t, rd), "HUP");
    }

    #[test]
    fn a_blocked_reader_keeps_the_other_end_of_a_socket_alive() {
        let mut t = table();
        let [s0, s1] = t.socketpair(false, false).unwrap();
        let id0 = t.lookup(s0).unwrap();
        t.hold(id0);
        assert_eq!(t.close(s0), Ok(None));
        assert_eq!(ready(&t, s1), "OUT");
        let d = t.release(id0).unwrap();
        assert_eq!(d.peer, t.lookup(s1).ok());
        assert_eq!(ready(&t, s1), "IN|OUT|RDHUP|HUP");
    }

    #[test]
    fn socket_calls_on_non_sockets_are_enotsock() {
        let mut t = table();
        let [rd, _wr] = t.pipe(true, false).unwrap();
        let (_, d) = t.description_mut(rd).unwrap();
        assert_eq!(d.send(b"x", &VClock::new()), Err(IoError::NotSocket));
        assert_eq!(d.recv(&mut [0; 1], false, &mut VClock::new()), Err(IoError::NotSocket));
        assert_eq!(d.shutdown(crate::Shutdown::Read), Err(IoError::NotSocket));
        assert!(d.pollable());
        let (_, stdin) = t.description_mut(0).unwrap();
        assert!(!stdin.pollable());
    }

    #[test]
    fn stdout_output_is_collected() {
        let mut t = table();
        let (_, out) = t.description_mut(1).unwrap();
        out.write(b"hi\n", &VClock::new()).unwrap();
        assert_eq!(out.as_stdio_mut().unwrap().take_output(), b"hi\n");
    }
}
