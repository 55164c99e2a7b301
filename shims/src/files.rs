//! Calls on files by name and on file offsets: `open`, `openat`, `lseek`, `pread`, `pwrite`,
//! `fstat`, `stat`, `unlink`, `mkdir`, `readlink` — over the in-memory file system of `fs.rs`.
//! Every answer was confirmed on Linux 6.18 by shims/probes/file_scenarios/files_basic.c (quoted
//! as "probe: ...").

use crate::abi::{Stat, Timespec};
use crate::consts::errno::*;
use crate::consts::linux;
use crate::fs::{Device, Found, Node, Parent, PATH_MAX, ROOT};
use crate::io::{rw_range_ok, MAX_RW_COUNT};
use crate::table::args::{Fstat, Lseek, Mkdir, Open, Openat, Pread, Pwrite, Readlink, StatPath, Unlink};
use crate::time::REALTIME_EPOCH_NS;
use crate::{errno_of, fail, Shims};
use spindle_fds::{AccessMode, Description, DescriptionKind, FdId, File, FileKind, Inode, StatusFlags, Whence};
use spindle_vm::clock::VClock;
use spindle_vm::{Machine, Ret, Stop, VmResult};
use std::cell::RefCell;
use std::rc::Rc;

const O_ACCMODE: u32 = linux::O_ACCMODE as u32;
const O_CREAT: u32 = linux::O_CREAT as u32;
const O_EXCL: u32 = linux::O_EXCL as u32;
const O_TRUNC: u32 = linux::O_TRUNC as u32;
const O_APPEND: u32 = linux::O_APPEND as u32;
const O_NONBLOCK: u32 = linux::O_NONBLOCK as u32;
const O_DIRECTORY: u32 = linux::O_DIRECTORY as u32;
const O_CLOEXEC: u32 = linux::O_CLOEXEC as u32;
const O_PATH: u32 = linux::O_PATH as u32;
/// `__O_TMPFILE` alone (O_TMPFILE is it plus O_DIRECTORY).
const O_TMPFILE_BIT: u32 = (linux::O_TMPFILE & !linux::O_DIRECTORY) as u32;
const O_ASYNC: u32 = linux::O_ASYNC as u32;
const O_DIRECT: u32 = linux::O_DIRECT as u32;
const AT_FDCWD: i32 = linux::AT_FDCWD as i32;
const S_IFREG: u32 = linux::S_IFREG as u32;
const S_IFDIR: u32 = linux::S_IFDIR as u32;
const S_IFCHR: u32 = linux::S_IFCHR as u32;
const S_IFIFO: u32 = linux::S_IFIFO as u32;
const S_IFSOCK: u32 = linux::S_IFSOCK as u32;

/// The device number of the in-memory file system (`st_dev`), of `/dev` and of the kernel's
/// internal mounts (pipes, sockets, anonymous inodes): fixed, like everything else.
const DEV_FS: u64 = 0x1f;
const DEV_DEVTMPFS: u64 = 0x05;
const DEV_PIPEFS: u64 = 0x0e;
const DEV_SOCKFS: u64 = 0x08;
const DEV_ANON: u64 = 0x0f;
/// The inode number every anonymous-inode file shares (eventfd, epoll, timerfd), as Linux's
/// `anon_inode_inode` is one inode.
const ANON_INO: u64 = 1;
/// Pipes and sockets get inode number this plus their description's id.
const PIPE_INO_BASE: u64 = 100_000;

/// Reads a path argument: its bytes without the NUL. `EFAULT` for a NULL or unreadable one (or
/// one that runs off its allocation before a NUL), `ENAMETOOLONG` for `PATH_MAX` bytes without a
/// NUL (probe: "open long path: -1 ENAMETOOLONG"), `ENOENT` for an empty one (probe: "open
/// empty: -1 ENOENT").
pub(crate) fn read_path(m: &mut Machine<Shims>, addr: u64) -> VmResult<Result<Vec<u8>, i64>> {
    let extent = m.memory.readable_extent(addr);
    let window = extent.min(PATH_MAX as u64);
    let nul = match m.memory.slice(addr, window) {
        Ok(b) => b.iter().position(|&c| c == 0),
        Err(_) => return Ok(Err(EFAULT)),
    };
    let Some(n) = nul else {
        return Ok(Err(if extent >= PATH_MAX as u64 { ENAMETOOLONG } else { EFAULT }));
    };
    // Read through the race detector: the kernel's copy is an access of the calling thread.
    match m.read_guest(addr, n as u64 + 1)? {
        Some(mut b) => {
            b.truncate(n);
            Ok(if b.is_empty() { Err(ENOENT) } else { Ok(b) })
        }
        None => Ok(Err(EFAULT)),
    }
}

/// The directory a relative path starts from: the root (the guest's working directory) for
/// `AT_FDCWD`, else the directory `dirfd` names — `EBADF` if it is not open, `ENOTDIR` if it is
/// no directory (probe: "openat bad fd: -1 EBADF", "openat file fd: -1 ENOTDIR"). An absolute
/// path ignores `dirfd` (probe: "openat bad fd abs: 6").
fn start_dir(s: &Shims, dirfd: i32, path: &[u8]) -> Result<u64, i64> {
    if path.first() == Some(&b'/') || dirfd == AT_FDCWD {
        return Ok(ROOT);
    }
    let id = s.fds.lookup(dirfd).map_err(errno_of)?;
    match s.fds.get(id).and_then(Description::as_file).map(File::kind) {
        Some(FileKind::Directory { ino, .. }) => Ok(*ino),
        _ => Err(ENOTDIR),
    }
}

/// `open(2)` — <https://man7.org/linux/man-pages/man2/open.2.html>.
pub fn open(s: &mut Shims, m: &mut Machine<Shims>, a: Open) -> VmResult<Ret> {
    open_at(s, m, AT_FDCWD, a.path.0, a.flags.0, a.mode.0)
}

/// `openat(2)`: `open` relative to the directory `dirfd` names.
pub fn openat(s: &mut Shims, m: &mut Machine<Shims>, a: Openat) -> VmResult<Ret> {
    open_at(s, m, a.dirfd.0, a.path.0, a.flags.0, a.mode.0)
}

fn open_at(s: &mut Shims, m: &mut Machine<Shims>, dirfd: i32, path: u64, flags: u32, mode: u32) -> VmResult<Ret> {
    for (bit, name) in [(O_PATH, "O_PATH"), (O_TMPFILE_BIT, "O_TMPFILE"), (O_ASYNC, "O_ASYNC"), (O_DIRECT, "O_DIRECT")] {
        if flags & bit != 0 {
            return Err(Stop::unsupported(format!("open with {name}: not modelled")));
        }
    }
    let path = match read_path(m, path)? {
        Ok(p) => p,
        Err(e) => return fail(m, e),
    };
    match open_path(s, m, dirfd, &path, flags, mode)? {
        Ok(fd) => Ok(Ret::Value(fd as u64)),
        Err(e) => fail(m, e),
    }
}

/// Opens `path` (the checks of Linux's `do_last`/`do_open`, in its order), returning the new fd.
fn open_path(s: &mut Shims, m: &Machine<Shims>, dirfd: i32, path: &[u8], flags: u32, mode: u32) -> VmResult<Result<i32, i64>> {
    let start = match start_dir(s, dirfd, path) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let parent = match s.fs.parent(start, path) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let acc = flags & O_ACCMODE;
    let writes = acc == 1 || acc == 2;
    let found = match s.fs.lookup_in(&parent) {
        Ok(f) => {
            if flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL {
                return Ok(Err(EEXIST)); // probe: "open excl existing: -1 EEXIST"
            }
            f
        }
        Err(ENOENT) if flags & O_CREAT != 0 => {
            if parent.trailing_slash {
                return Ok(Err(EISDIR));
            }
            match s.fs.create(&parent, mode) {
                Ok(ino) => Found::Node(ino),
                Err(e) => return Ok(Err(e)),
            }
        }
        Err(e) => return Ok(Err(e)),
    };
    let kind = match found {
        Found::ProcFd { info: false, .. } => {
            return Err(Stop::unsupported("open of /proc/self/fd/N (reopening a file through its fd link): not modelled"))
        }
        Found::ProcFd { info: true, fd } => {
            let Ok(id) = s.fds.lookup(fd) else { return Ok(Err(ENOENT)) };
            if writes || flags & O_TRUNC != 0 {
                return Ok(Err(EACCES));
            }
            let text = s.fdinfo(m, fd, id);
            let inode = Inode { ino: 0, perm: 0o444, nlink: 1, bytes: text.into_bytes(), clock: VClock::new() };
            FileKind::Regular { inode: Rc::new(RefCell::new(inode)), pos: 0 }
        }
        Found::Node(ino) => match s.fs.node(ino) {
            Some(Node::Dir { .. } | Node::ProcFds { .. }) => {
                // probe: "open dir rdwr: -1 EISDIR", "open dir creat: -1 EISDIR"
                if writes || flags & (O_CREAT | O_TRUNC) != 0 {
                    return Ok(Err(EISDIR));
                }
                FileKind::Directory { ino, pos: 0 }
            }
            _ if flags & O_DIRECTORY != 0 => return Ok(Err(ENOTDIR)), // probe: "open O_DIRECTORY on file"
            Some(Node::File(inode)) => {
                if flags & O_TRUNC != 0 {
                    let mut node = inode.borrow_mut();
                    node.bytes.clear();
                    node.bytes.shrink_to_fit();
                }
                FileKind::Regular { inode: inode.clone(), pos: 0 }
            }
            Some(Node::Device(Device::Null)) => FileKind::Null,
            Some(Node::Device(Device::Zero)) => FileKind::Zero,
            None => return Ok(Err(ENOENT)),
        },
    };
    let access = match acc {
        0 => AccessMode::ReadOnly,
        1 => AccessMode::WriteOnly,
        _ => AccessMode::ReadWrite,
    };
    let file = File::new(kind, access, acc == 3, false);
    let status = StatusFlags { nonblock: flags & O_NONBLOCK != 0, append: flags & O_APPEND != 0 };
    let shown = s.shown_path(&parent);
    match s.fds.open_file(file, status, flags & O_CLOEXEC != 0) {
        Ok((fd, id)) => {
            s.state.get_or_default(id).path = Some(shown);
            Ok(Ok(fd))
        }
        Err(e) => Ok(Err(errno_of(e))),
    }
}

impl Shims {
    /// The absolute path `/proc/self/fd/N` shows for a file opened as `p` from `start`.
    fn shown_path(&self, p: &Parent) -> Vec<u8> {
        let mut out = self.fs.path_of(p.dir).unwrap_or_else(|| b"/".to_vec());
        match &p.name[..] {
            b"." => {}
            b".." => out = self.fs.path_of(self.fs.parent_ino(p.dir)).unwrap_or_else(|| b"/".to_vec()),
            name => {
                if out != b"/" {
                    out.push(b'/');
                }
                out.extend_from_slice(name);
            }
        }
        out
    }
}

/// `lseek(2)` — <https://man7.org/linux/man-pages/man2/lseek.2.html>: `ESPIPE` on pipes and
/// sockets (probe: "lseek pipe: -1 ESPIPE"), 0 on eventfds, epoll fds and timerfds (probe:
/// "lseek epoll: 0"), `EINVAL` for an unknown `whence` or a negative result.
pub fn lseek(s: &mut Shims, m: &mut Machine<Shims>, a: Lseek) -> VmResult<Ret> {
    let (_, desc) = match s.fds.description_mut(a.fd.0) {
        Ok(x) => x,
        Err(e) => return fail(m, errno_of(e)),
    };
    let whence = match a.whence.get() {
        0 => Whence::Set,
        1 => Whence::Cur,
        2 => Whence::End,
        3 => Whence::Data,
        4 => Whence::Hole,
        // Checked before the file's own `llseek`, so a pipe or socket too is EINVAL here.
        _ => return fail(m, EINVAL),
    };
    match desc.seek(a.offset.0, whence) {
        Ok(pos) => Ok(Ret::Value(pos)),
        Err(e) => fail(m, errno_of(e)),
    }
}

/// `pread(2)` — <https://man7.org/linux/man-pages/man2/pread.2.html>: a negative offset is
/// `EINVAL` (probe: "pread neg: -1 EINVAL"); pipes and sockets `ESPIPE`.
pub fn pread(s: &mut Shims, m: &mut Machine<Shims>, a: Pread) -> VmResult<Ret> {
    let (id, count, buf) = match positioned(s, m, a.fd.0, a.offset.0, a.buf.0, a.count.0, AccessMode::WriteOnly)? {
        Ok(x) => x,
        Err(e) => return fail(m, e),
    };
    let cap = count.min(m.memory.writable_extent(buf)).min(4 << 20);
    if count > 0 && cap == 0 {
        return fail(m, EFAULT);
    }
    let mut tmp = vec![0u8; cap as usize];
    let mut acquired = VClock::new();
    let r = s.fds.get_mut(id).map(|d| d.pread(&mut tmp, a.offset.0 as u64, &mut acquired));
    match r {
        Some(Ok(n)) => {
            m.acquire_clock(&acquired);
            if !m.write_guest(buf, &tmp[..n])? {
                return fail(m, EFAULT);
            }
            Ok(Ret::Value(n as u64))
        }
        Some(Err(e)) => fail(m, errno_of(e)),
        None => fail(m, EBADF),
    }
}

/// `pwrite(2)`: as `pread`; with `O_APPEND` Linux appends whatever the offset says.
pub fn pwrite(s: &mut Shims, m: &mut Machine<Shims>, a: Pwrite) -> VmResult<Ret> {
    let (id, count, buf) = match positioned(s, m, a.fd.0, a.offset.0, a.buf.0, a.count.0, AccessMode::ReadOnly)? {
        Ok(x) => x,
        Err(e) => return fail(m, e),
    };
    if discards_writes(s, id) {
        return Ok(Ret::Value(count.min(MAX_RW_COUNT)));
    }
    s.file_growth(id, Some(a.offset.0 as u64), count.min(m.memory.readable_extent(buf)))?;
    let data = match s.write_data(m, id, buf, count)? {
        Ok(d) => d,
        Err(e) => return fail(m, e),
    };
    let clock = m.current_clock();
    let r = s.fds.get_mut(id).map(|d| d.pwrite(&data, a.offset.0 as u64, &clock));
    match r {
        Some(Ok(n)) => {
            if n > 0 {
                m.advance_clock();
                s.buffered(m, n)?;
            }
            if let Some(Description::Stdio(st)) = s.fds.get_mut(id) {
                let (stream, out) = (st.stream(), st.take_output());
                s.console_write(m, stream, &out);
            }
            Ok(Ret::Value(n as u64))
        }
        Some(Err(e)) => fail(m, errno_of(e)),
        None => fail(m, EBADF),
    }
}

/// Whether description `id` is `/dev/null` or `/dev/zero`, which take every byte written without
/// reading the buffer (`write_null`): a write there returns its count whatever the buffer holds,
/// once the range passed `access_ok` (a native probe: `write(/dev/null, NULL, 2)` is 2).
pub(crate) fn discards_writes(s: &Shims, id: FdId) -> bool {
    s.fds.get(id).and_then(Description::as_file).is_some_and(|f| matches!(f.kind(), FileKind::Null | FileKind::Zero))
}

/// The checks `pread` and `pwrite` share, in Linux's order (`ksys_pread64`): a negative offset
/// is `EINVAL` before the fd is looked up; then `EBADF` (no fd, or the wrong direction —
/// `wrong` is the access mode that cannot do it), `ESPIPE` (not seekable), the buffer's range.
fn positioned(
    s: &Shims,
    m: &Machine<Shims>,
    fd: i32,
    offset: i64,
    buf: u64,
    count: u64,
    wrong: AccessMode,
) -> VmResult<Result<(FdId, u64, u64), i64>> {
    if offset < 0 {
        return Ok(Err(EINVAL));
    }
    let id = match s.fds.lookup(fd) {
        Ok(id) => id,
        Err(e) => return Ok(Err(errno_of(e))),
    };
    let Some(d) = s.fds.get(id) else { return Ok(Err(EBADF)) };
    let allowed = if wrong == AccessMode::WriteOnly { d.readable() } else { d.writable() };
    if !allowed {
        return Ok(Err(EBADF));
    }
    if matches!(d, Description::Pipe(_) | Description::Socket(_) | Description::EventFd(_) | Description::Host(_)) {
        return Ok(Err(ESPIPE));
    }
    if !rw_range_ok(&m.memory, buf, count) {
        return Ok(Err(EFAULT));
    }
    Ok(Ok((id, count.min(MAX_RW_COUNT), buf)))
}

/// `fstat(2)` — <https://man7.org/linux/man-pages/man2/fstat.2.html>: `st_mode` of each kind as
/// Linux reports it (probe: pipes `S_IFIFO|0600`, sockets `S_IFSOCK|0777`, eventfd, epoll and
/// timerfd `0600` with no file type — their anonymous inode has none — `/dev/null`
/// `S_IFCHR|0666`).
pub fn fstat(s: &mut Shims, m: &mut Machine<Shims>, a: Fstat) -> VmResult<Ret> {
    let id = match s.fds.lookup(a.fd.0) {
        Ok(id) => id,
        Err(e) => return fail(m, errno_of(e)),
    };
    let st = s.stat_of(id);
    if !a.statbuf.write(m, &st)? {
        return fail(m, EFAULT);
    }
    Ok(Ret::Value(0))
}

/// `stat(2)`: the same for a path (`/proc/self/fd/N` follows the link to the fd's file).
pub fn stat(s: &mut Shims, m: &mut Machine<Shims>, a: StatPath) -> VmResult<Ret> {
    let path = match read_path(m, a.path.0)? {
        Ok(p) => p,
        Err(e) => return fail(m, e),
    };
    let found = s.fs.parent(ROOT, &path).and_then(|p| s.fs.lookup_in(&p));
    let st = match found {
        Ok(Found::Node(ino)) => s.node_stat(ino),
        Ok(Found::ProcFd { info, fd }) => match s.fds.lookup(fd) {
            Ok(id) if !info => s.stat_of(id),
            Ok(_) => Stat { dev: 0x16, ino: 0, nlink: 1, mode: S_IFREG | 0o444, blksize: 1024, ..Stat::default() },
            Err(_) => return fail(m, ENOENT),
        },
        Err(e) => return fail(m, e),
    };
    if !a.statbuf.write(m, &st)? {
        return fail(m, EFAULT);
    }
    Ok(Ret::Value(0))
}

/// The times of every file: the start of the run on `CLOCK_REALTIME`.
fn epoch() -> Timespec {
    Timespec::from_ns(REALTIME_EPOCH_NS)
}

fn base_stat(dev: u64, ino: u64, mode: u32, nlink: u64) -> Stat {
    let t = epoch();
    Stat { dev, ino, nlink, mode, blksize: 4096, atime: t, mtime: t, ctime: t, ..Stat::default() }
}

fn regular_stat(node: &Inode) -> Stat {
    let size = node.bytes.len() as i64;
    Stat { size, blocks: (size + 4095) / 4096 * 8, ..base_stat(DEV_FS, node.ino, S_IFREG | node.perm, node.nlink as u64) }
}

fn makedev(major: u32, minor: u32) -> u64 {
    ((major as u64 & 0xfff) << 8) | (minor as u64 & 0xff) | ((minor as u64 & !0xff) << 12)
}

impl Shims {
    /// `struct stat` of a node of the tree.
    fn node_stat(&self, ino: u64) -> Stat {
        match self.fs.node(ino) {
            Some(Node::File(f)) => regular_stat(&f.borrow()),
            Some(Node::Device(d)) => {
                let (major, minor) = d.rdev();
                Stat { rdev: makedev(major, minor), ..base_stat(DEV_DEVTMPFS, ino, S_IFCHR | 0o666, 1) }
            }
            Some(Node::ProcFds { .. }) => base_stat(0x16, ino, S_IFDIR | 0o500, 2),
            _ => Stat { size: 4096, blocks: 8, ..base_stat(DEV_FS, ino, S_IFDIR | self.fs.dir_perm(ino), self.fs.dir_nlink(ino)) },
        }
    }

    /// `st_ino` of an open description.
    pub(crate) fn stat_ino(&self, id: FdId) -> u64 {
        self.stat_of(id).ino
    }

    /// `st_dev` of an open description.
    pub(crate) fn stat_dev(&self, id: FdId) -> u64 {
        self.stat_of(id).dev
    }

    /// `struct stat` of an open description.
    fn stat_of(&self, id: FdId) -> Stat {
        let Some(d) = self.fds.get(id) else { return Stat::default() };
        match d {
            Description::File(f) => match f.kind() {
                FileKind::Regular { inode, .. } => regular_stat(&inode.borrow()),
                FileKind::Directory { ino, .. } => self.node_stat(*ino),
                FileKind::Null => Stat { rdev: makedev(1, 3), ..base_stat(DEV_DEVTMPFS, 4, S_IFCHR | 0o666, 1) },
                FileKind::Zero => Stat { rdev: makedev(1, 5), ..base_stat(DEV_DEVTMPFS, 5, S_IFCHR | 0o666, 1) },
            },
            // The standard streams behave like /dev/null, and say so.
            Description::Stdio(_) => Stat { rdev: makedev(1, 3), ..base_stat(DEV_DEVTMPFS, 4, S_IFCHR | 0o666, 1) },
            Description::Pipe(_) => base_stat(DEV_PIPEFS, pipe_ino(self, id), S_IFIFO | 0o600, 1),
            Description::Socket(_) => base_stat(DEV_SOCKFS, PIPE_INO_BASE + id.0, S_IFSOCK | 0o777, 1),
            Description::EventFd(_) | Description::Host(_) => base_stat(DEV_ANON, ANON_INO, 0o600, 1),
        }
    }

    /// What `readlink("/proc/self/fd/N")` shows for description `id`.
    pub(crate) fn fd_link(&self, id: FdId) -> Vec<u8> {
        let Some(d) = self.fds.get(id) else { return Vec::new() };
        match d.kind() {
            DescriptionKind::PipeRead | DescriptionKind::PipeWrite => format!("pipe:[{}]", pipe_ino(self, id)).into_bytes(),
            DescriptionKind::Socket => format!("socket:[{}]", PIPE_INO_BASE + id.0).into_bytes(),
            DescriptionKind::EventFd => b"anon_inode:[eventfd]".to_vec(),
            DescriptionKind::Host if self.is_timerfd(id) => b"anon_inode:[timerfd]".to_vec(),
            DescriptionKind::Host if self.is_signalfd(id) => b"anon_inode:[signalfd]".to_vec(),
            DescriptionKind::Host => b"anon_inode:[eventpoll]".to_vec(),
            DescriptionKind::Stdin | DescriptionKind::Stdout | DescriptionKind::Stderr | DescriptionKind::Device => {
                match self.state.get(id).and_then(|st| st.path.clone()) {
                    Some(p) => p,
                    None => b"/dev/null".to_vec(),
                }
            }
            DescriptionKind::RegularFile | DescriptionKind::Directory => {
                let mut p = self.state.get(id).and_then(|st| st.path.clone()).unwrap_or_default();
                let unlinked =
                    d.as_file().is_some_and(|f| matches!(f.kind(), FileKind::Regular { inode, .. } if inode.borrow().nlink == 0));
                if unlinked {
                    p.extend_from_slice(b" (deleted)");
                }
                p
            }
        }
    }
}

/// A pipe's inode number: both ends share it (the read end's id names it).
fn pipe_ino(s: &Shims, id: FdId) -> u64 {
    let read_end = match s.fds.get(id).map(Description::kind) {
        Some(DescriptionKind::PipeWrite) => s.fds.peer_of(id).map_or(id.0.saturating_sub(1), |p| p.0),
        _ => id.0,
    };
    PIPE_INO_BASE + read_end
}

/// `unlink(2)`: a directory is `EISDIR` (probe: "unlink dir: -1 EISDIR"); an open file lives on
/// (probe: "fstat unlinked: ... nlink=0").
pub fn unlink(s: &mut Shims, m: &mut Machine<Shims>, a: Unlink) -> VmResult<Ret> {
    let path = match read_path(m, a.path.0)? {
        Ok(p) => p,
        Err(e) => return fail(m, e),
    };
    match s.fs.parent(ROOT, &path).and_then(|p| s.fs.unlink(&p)) {
        Ok(()) => Ok(Ret::Value(0)),
        Err(e) => fail(m, e),
    }
}

/// `mkdir(2)`: `EEXIST` for any existing name (probe: "mkdir again: -1 EEXIST").
pub fn mkdir(s: &mut Shims, m: &mut Machine<Shims>, a: Mkdir) -> VmResult<Ret> {
    let path = match read_path(m, a.path.0)? {
        Ok(p) => p,
        Err(e) => return fail(m, e),
    };
    match s.fs.parent(ROOT, &path).and_then(|p| s.fs.mkdir(&p, a.mode.0)) {
        Ok(()) => Ok(Ret::Value(0)),
        Err(e) => fail(m, e),
    }
}

/// `readlink(2)`: only `/proc/self/fd/N` are links (`anon_inode:[eventpoll]`, `pipe:[…]`,
/// `socket:[…]`, a file's path); anything else that exists is `EINVAL`. The text is cut to
/// `bufsiz` without a NUL, and its length returned.
pub fn readlink(s: &mut Shims, m: &mut Machine<Shims>, a: Readlink) -> VmResult<Ret> {
    let path = match read_path(m, a.path.0)? {
        Ok(p) => p,
        Err(e) => return fail(m, e),
    };
    let bufsiz = a.bufsiz.0;
    let found = s.fs.parent(ROOT, &path).and_then(|p| s.fs.lookup_in(&p));
    let text = match found {
        Ok(Found::ProcFd { info: false, fd }) => match s.fds.lookup(fd) {
            Ok(id) => s.fd_link(id),
            Err(_) => return fail(m, ENOENT),
        },
        Ok(Found::ProcFd { info: true, fd }) if s.fds.lookup(fd).is_err() => return fail(m, ENOENT),
        Ok(_) => return fail(m, EINVAL),
        Err(e) => return fail(m, e),
    };
    if bufsiz <= 0 {
        return fail(m, EINVAL);
    }
    let n = text.len().min(bufsiz as usize);
    if !m.write_guest(a.buf.0, &text[..n])? {
        return fail(m, EFAULT);
    }
    Ok(Ret::Value(n as u64))
}
