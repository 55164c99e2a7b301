//! Files opened by name: regular files of the in-memory file system, its directories, and the
//! character devices `/dev/null` and `/dev/zero`.
//!
//! Man pages: <https://man7.org/linux/man-pages/man2/open.2.html>,
//! <https://man7.org/linux/man-pages/man2/lseek.2.html>,
//! <https://man7.org/linux/man-pages/man2/pread.2.html>,
//! <https://man7.org/linux/man-pages/man4/null.4.html>. Every fact was confirmed on Linux 6.18 by
//! `shims/probes/file_scenarios/files_basic.c` (quoted as "probe: ...").
//!
//! A regular file's bytes live in an [`Inode`] that the file system (in the shim layer, which
//! owns paths) and every description opened on it share: a write through one is read through
//! another, and an unlinked file lives on while a description names it (probe: "fstat
//! unlinked: mode=0100644 size=11 nlink=0"). Files are always ready: reads and writes never
//! block, and they cannot be added to an epoll set ([`crate::Description::pollable`]).

use crate::description::AccessMode;
use crate::error::IoError;
use spindle_vm::clock::VClock;
use std::cell::RefCell;
use std::rc::Rc;

/// The largest file offset (`MAX_LFS_FILESIZE` on 64-bit kernels): a seek or a positioned
/// transfer past it is `EINVAL`.
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;

/// A regular file's contents and the metadata `fstat` reports of it.
#[derive(Debug, Clone, Default)]
pub struct Inode {
    /// Inode number (unique in the file system).
    pub ino: u64,
    /// Permission bits (`0644`), after the umask.
    pub perm: u32,
    /// Names it has (0 once unlinked).
    pub nlink: u32,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The clock of the last write (a read acquires it: a file carries what was written to it,
    /// as a pipe does).
    pub clock: VClock,
}

/// A shared inode.
pub type InodeRef = Rc<RefCell<Inode>>;

/// Where `lseek` measures from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whence {
    /// `SEEK_SET`.
    Set,
    /// `SEEK_CUR`.
    Cur,
    /// `SEEK_END`.
    End,
    /// `SEEK_DATA`: the next byte of data at or after the offset (a file has no holes here).
    Data,
    /// `SEEK_HOLE`: the next hole at or after the offset (the end of the file).
    Hole,
}

/// What a name opened: a regular file, a directory or a device.
#[derive(Debug)]
pub enum FileKind {
    /// A regular file, with the description's offset.
    Regular { inode: InodeRef, pos: u64 },
    /// A directory (opened read-only; reads are `EISDIR`). `ino` and `nlink` for `fstat`.
    Directory { ino: u64, pos: u64 },
    /// `/dev/null`: reads are EOF, writes vanish.
    Null,
    /// `/dev/zero`: reads fill with zeros, writes vanish.
    Zero,
}

/// An open file: what it is, and the access mode it was opened with.
#[derive(Debug)]
pub struct File {
    kind: FileKind,
    access: AccessMode,
    /// The access mode 3 (`O_RDONLY|O_WRONLY|O_RDWR` all at once): Linux opens the file for
    /// neither reading nor writing (probe: "open O_WRONLY|O_RDWR: 19").
    no_access: bool,
    /// `O_APPEND` at open (the description's status flag decides; this is a copy the shim
    /// keeps current through [`File::set_append`]).
    append: bool,
}

impl File {
    /// An open file of `kind` with `access`; `no_access` for Linux's access mode 3.
    pub fn new(kind: FileKind, access: AccessMode, no_access: bool, append: bool) -> File {
        File { kind, access, no_access, append }
    }

    /// What it is.
    pub fn kind(&self) -> &FileKind {
        &self.kind
    }

    /// The access mode it was opened with.
    pub fn access(&self) -> AccessMode {
        self.access
    }

    /// `O_APPEND` changed (`F_SETFL`).
    pub fn set_append(&mut self, append: bool) {
        self.append = append;
    }

    /// Whether `read(2)` may read it (`FMODE_READ`): not write-only, not access mode 3.
    pub fn can_read(&self) -> bool {
        !self.no_access && self.access != AccessMode::WriteOnly
    }

    /// Whether `write(2)` may write it (`FMODE_WRITE`): not read-only, not access mode 3.
    pub fn can_write(&self) -> bool {
        !self.no_access && self.access != AccessMode::ReadOnly
    }

    /// `read(2)` at the description's offset, which advances.
    pub fn read(&mut self, buf: &mut [u8], acquired: &mut VClock) -> Result<usize, IoError> {
        if !self.can_read() {
            return Err(IoError::BadDirection);
        }
        let pos = match &self.kind {
            FileKind::Regular { pos, .. } => *pos,
            _ => 0,
        };
        let n = self.pread(buf, pos, acquired)?;
        if let FileKind::Regular { pos, .. } = &mut self.kind {
            *pos += n as u64;
        }
        Ok(n)
    }

    /// `pread(2)`: reads at `offset` without moving the offset. A directory is `EISDIR` (probe:
    /// "read dir: -1 EISDIR"); past the end a read returns 0 (probe: "pread off 20: 0").
    pub fn pread(&mut self, buf: &mut [u8], offset: u64, acquired: &mut VClock) -> Result<usize, IoError> {
        if !self.can_read() {
            return Err(IoError::BadDirection);
        }
        match &self.kind {
            FileKind::Regular { inode, .. } => {
                let node = inode.borrow();
                let start = (offset.min(node.bytes.len() as u64)) as usize;
                let n = buf.len().min(node.bytes.len() - start);
                buf[..n].copy_from_slice(&node.bytes[start..start + n]);
                if n > 0 {
                    acquired.join(&node.clock);
                }
                Ok(n)
            }
            FileKind::Directory { .. } => Err(IoError::IsDirectory),
            FileKind::Null => Ok(0),
            FileKind::Zero => {
                buf.fill(0);
                Ok(buf.len())
            }
        }
    }

    /// `write(2)` at the description's offset (at the end with `O_APPEND`), which advances.
    pub fn write(&mut self, data: &[u8], released: &VClock) -> Result<usize, IoError> {
        if !self.can_write() {
            return Err(IoError::BadDirection);
        }
        let at = match &self.kind {
            FileKind::Regular { inode, .. } if self.append => inode.borrow().bytes.len() as u64,
            FileKind::Regular { pos, .. } => *pos,
            _ => 0,
        };
        let n = self.pwrite(data, at, released)?;
        if let FileKind::Regular { pos, .. } = &mut self.kind {
            *pos = at + n as u64;
        }
        Ok(n)
    }

    /// `pwrite(2)`: writes at `offset` (a gap before it reads as zeros; probe: "fstat after
    /// hole: size=11"). With `O_APPEND`, Linux's `pwrite` appends whatever the offset says.
    pub fn pwrite(&mut self, data: &[u8], offset: u64, released: &VClock) -> Result<usize, IoError> {
        if !self.can_write() {
            return Err(IoError::BadDirection);
        }
        match &self.kind {
            FileKind::Regular { inode, .. } => {
                let mut node = inode.borrow_mut();
                let offset = if self.append { node.bytes.len() as u64 } else { offset };
                let end = offset.checked_add(data.len() as u64).filter(|&e| e <= MAX_FILE_SIZE).ok_or(IoError::FileTooLarge)?;
                let (offset, end) = (usize::try_from(offset).map_err(|_| IoError::FileTooLarge)?, end as usize);
                if node.bytes.len() < end {
                    node.bytes.resize(end, 0);
                }
                node.bytes[offset..end].copy_from_slice(data);
                if !data.is_empty() {
                    node.clock.join(released);
                }
                Ok(data.len())
            }
            // A directory is never open for writing (open refuses it with EISDIR).
            FileKind::Directory { .. } => Err(IoError::BadDirection),
            FileKind::Null | FileKind::Zero => Ok(data.len()),
        }
    }

    /// `lseek(2)`: the new offset. A negative result or an unknown `whence` is `EINVAL` (probe:
    /// "lseek neg: -1 EINVAL"); `SEEK_DATA` past the end is `ENXIO`. Devices do not move (probe:
    /// "lseek null: 0").
    pub fn seek(&mut self, offset: i64, whence: Whence) -> Result<u64, IoError> {
        match &mut self.kind {
            FileKind::Regular { inode, pos } => {
                let size = inode.borrow().bytes.len() as i64;
                let base = match whence {
                    Whence::Set => 0,
                    Whence::Cur => *pos as i64,
                    Whence::End => size,
                    Whence::Data | Whence::Hole if offset < 0 || offset >= size => return Err(IoError::NoSuchDeviceOrAddress),
                    Whence::Data => return Ok(set(pos, offset)),
                    Whence::Hole => return Ok(set(pos, size)),
                };
                let new = base.checked_add(offset).filter(|&n| n >= 0).ok_or(IoError::InvalidArgument)?;
                Ok(set(pos, new))
            }
            FileKind::Directory { pos, .. } => {
                // Linux's directory offsets are cookies; Spindle's directories list nothing
                // through read, so only rewinding and absolute positions are kept.
                let new = match whence {
                    Whence::Set => offset,
                    Whence::Cur => (*pos as i64).checked_add(offset).ok_or(IoError::InvalidArgument)?,
                    _ => return Err(IoError::InvalidArgument),
                };
                if new < 0 {
                    return Err(IoError::InvalidArgument);
                }
                Ok(set(pos, new))
            }
            FileKind::Null | FileKind::Zero => Ok(0),
        }
    }

    /// The size the file would have after a write of `len` bytes at `offset` (`None`: at the
    /// description's offset, or the end with `O_APPEND`): what a shim checks against its limit
    /// before the write allocates. Devices and directories grow nothing (0).
    pub fn size_after_write(&self, offset: Option<u64>, len: u64) -> u64 {
        match &self.kind {
            FileKind::Regular { inode, pos } => {
                let size = inode.borrow().bytes.len() as u64;
                let at = if self.append { size } else { offset.unwrap_or(*pos) };
                at.saturating_add(len).max(size)
            }
            _ => 0,
        }
    }

    /// The file's size (0 for devices and directories).
    pub fn size(&self) -> u64 {
        match &self.kind {
            FileKind::Regular { inode, .. } => inode.borrow().bytes.len() as u64,
            _ => 0,
        }
    }

    /// Bytes a read at the offset would find (`FIONREAD` on a regular file).
    pub fn unread(&self) -> u64 {
        match &self.kind {
            FileKind::Regular { inode, pos } => (inode.borrow().bytes.len() as u64).saturating_sub(*pos),
            _ => 0,
        }
    }
}

fn set(pos: &mut u64, new: i64) -> u64 {
    *pos = new as u64;
    *pos
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(access: AccessMode, append: bool) -> (File, InodeRef) {
        let inode: InodeRef = Rc::new(RefCell::new(Inode { ino: 2, perm: 0o644, nlink: 1, ..Inode::default() }));
        (File::new(FileKind::Regular { inode: inode.clone(), pos: 0 }, access, false, append), inode)
    }

    #[test]
    fn reads_and_writes_move_the_offset_and_holes_read_as_zeros() {
        let (mut f, inode) = file(AccessMode::ReadWrite, false);
        let c = VClock::new();
        assert_eq!(f.write(b"hello", &c), Ok(5));
        assert_eq!(f.seek(0, Whence::Cur), Ok(5));
        assert_eq!(f.seek(10, Whence::Set), Ok(10));
        assert_eq!(f.write(b"x", &c), Ok(1));
        assert_eq!(inode.borrow().bytes, b"hello\0\0\0\0\0x");
        assert_eq!(f.seek(-100, Whence::Set), Err(IoError::InvalidArgument));
        assert_eq!(f.seek(0, Whence::Hole), Ok(11));
        let mut buf = [9u8; 32];
        assert_eq!(f.pread(&mut buf, 0, &mut VClock::new()), Ok(11));
        assert_eq!(f.pread(&mut buf, 20, &mut VClock::new()), Ok(0));
        assert_eq!(f.read(&mut buf, &mut VClock::new()), Ok(0));
    }

    #[test]
    fn access_modes_and_append() {
        let (mut r, _) = file(AccessMode::ReadOnly, false);
        assert_eq!(r.write(b"a", &VClock::new()), Err(IoError::BadDirection));
        let (mut a, inode) = file(AccessMode::WriteOnly, true);
        inode.borrow_mut().bytes = b"ab".to_vec();
        assert_eq!(a.read(&mut [0; 4], &mut VClock::new()), Err(IoError::BadDirection));
        assert_eq!(a.pwrite(b"c", 0, &VClock::new()), Ok(1));
        assert_eq!(inode.borrow().bytes, b"abc");
    }

    #[test]
    fn devices() {
        let mut z = File::new(FileKind::Zero, AccessMode::ReadOnly, false, false);
        let mut buf = [1u8; 4];
        assert_eq!(z.read(&mut buf, &mut VClock::new()), Ok(4));
        assert_eq!(buf, [0; 4]);
        let mut n = File::new(FileKind::Null, AccessMode::ReadWrite, false, false);
        assert_eq!(n.read(&mut buf, &mut VClock::new()), Ok(0));
        assert_eq!(n.write(b"abc", &VClock::new()), Ok(3));
        assert_eq!(n.seek(5, Whence::Set), Ok(0));
    }
}
