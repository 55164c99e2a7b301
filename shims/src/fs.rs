//! The guest's file system: an in-memory tree of directories, regular files and the devices
//! `/dev/null` and `/dev/zero`, with `/proc/self/fd` and `/proc/self/fdinfo` made up from the fd
//! table when they are looked at. It is empty by default but for those; `--fs DIR` seeds it from
//! a host directory that the host reads once, before the run ([`FsSeed`]): nothing the guest does
//! reaches a host file, and nothing is written back.
//!
//! Paths resolve as Linux resolves them (`path_lookupat`): component by component from the root
//! or the starting directory, `.` staying, `..` going to the parent (the root's parent is the
//! root, so no path leaves the tree), every component but the last a directory (`ENOTDIR`), a
//! component longer than `NAME_MAX` `ENAMETOOLONG`, a path of `PATH_MAX` bytes or more with no
//! NUL `ENAMETOOLONG`, an empty path `ENOENT`. There are no symbolic links but the ones of
//! `/proc/self/fd`. Facts: shims/probes/file_scenarios/files_basic.c.

use crate::consts::errno::*;
use spindle_fds::{Inode, InodeRef};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// `PATH_MAX`: a path is at most this many bytes, its NUL included.
pub const PATH_MAX: usize = 4096;
/// `NAME_MAX`: a path component is at most this many bytes.
pub const NAME_MAX: usize = 255;
/// The umask every guest runs with (a shell's usual one): `open(…, 0666)` makes `0644`.
pub const UMASK: u32 = 0o022;

/// The host directory a run's file system is seeded from, read before the run: every file's
/// bytes and permission bits, by path (directories first). Cheap to clone (it is shared by the
/// runs of `explore`).
#[derive(Clone, Debug, Default)]
pub struct FsSeed {
    entries: std::sync::Arc<Vec<SeedEntry>>,
}

/// One entry of a seed: a directory or a file, by its path below the root.
#[derive(Clone, Debug)]
pub struct SeedEntry {
    /// Path components below the root.
    pub path: Vec<Vec<u8>>,
    /// Permission bits.
    pub perm: u32,
    /// The file's bytes; `None` for a directory.
    pub bytes: Option<Vec<u8>>,
}

impl FsSeed {
    /// A seed of these entries (each directory before what it holds).
    pub fn new(entries: Vec<SeedEntry>) -> FsSeed {
        FsSeed { entries: std::sync::Arc::new(entries) }
    }
}

/// What a name in the tree is.
#[derive(Debug)]
pub(crate) enum Node {
    /// A directory: its entries by name, its parent, its permission bits.
    Dir { entries: BTreeMap<Vec<u8>, u64>, parent: u64, perm: u32 },
    /// A regular file.
    File(InodeRef),
    /// `/dev/null` or `/dev/zero`.
    Device(Device),
    /// `/proc/self/fd` or `/proc/self/fdinfo`, whose entries are the open fds.
    ProcFds { info: bool, parent: u64 },
}

/// A character device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Device {
    Null,
    Zero,
}

impl Device {
    /// Major and minor device numbers (`st_rdev`): 1:3 and 1:5.
    pub(crate) fn rdev(self) -> (u32, u32) {
        match self {
            Device::Null => (1, 3),
            Device::Zero => (1, 5),
        }
    }
}

/// What a path resolved to.
#[derive(Debug)]
pub(crate) enum Found {
    /// A node of the tree, by inode number.
    Node(u64),
    /// `/proc/self/fd/N` or `/proc/self/fdinfo/N`, for an fd that may or may not be open.
    ProcFd { info: bool, fd: i32 },
}

/// The parent directory of a path's last component, and that component (for `open(O_CREAT)`,
/// `mkdir`, `unlink`).
#[derive(Debug)]
pub(crate) struct Parent {
    pub dir: u64,
    pub name: Vec<u8>,
    /// Whether the path ended in `/` (the last component must then be a directory).
    pub trailing_slash: bool,
}

/// A run's file system, built at its first use: most runs never name a path, and building the
/// tree (a dozen nodes and directory maps) and dropping it was a third of the fixed cost of a
/// run under `explore`. The tree is the same whenever it is built (inode numbers are handed
/// out in the same order), so building it late changes nothing a guest can see.
#[derive(Debug, Default)]
pub(crate) struct LazyFs {
    tree: std::cell::OnceCell<Fs>,
    /// `None`: the empty seed.
    seed: Option<FsSeed>,
}

impl LazyFs {
    /// The file system `seed` will build.
    pub(crate) fn new(seed: &FsSeed) -> LazyFs {
        LazyFs { tree: std::cell::OnceCell::new(), seed: Some(seed.clone()) }
    }

    fn build(&self) -> Fs {
        match &self.seed {
            Some(seed) => Fs::new(seed),
            None => Fs::default(),
        }
    }

    /// The bytes the regular files hold (none before the tree is built).
    pub(crate) fn bytes(&self) -> usize {
        self.tree.get().map_or(0, Fs::bytes)
    }
}

impl std::ops::Deref for LazyFs {
    type Target = Fs;
    fn deref(&self) -> &Fs {
        self.tree.get_or_init(|| self.build())
    }
}

impl std::ops::DerefMut for LazyFs {
    fn deref_mut(&mut self) -> &mut Fs {
        if self.tree.get().is_none() {
            let fs = self.build();
            let _ = self.tree.set(fs);
        }
        self.tree.get_mut().expect("the tree was built just above")
    }
}

/// The inode number of the root directory.
pub(crate) const ROOT: u64 = 1;

/// The in-memory tree: nodes by inode number (a `BTreeMap`: iteration is in inode order).
#[derive(Debug)]
pub(crate) struct Fs {
    nodes: BTreeMap<u64, Node>,
    next_ino: u64,
    /// `/proc`.
    proc: u64,
    /// Every regular file ever made (unlinked ones included, while open or not): their bytes
    /// count against `--max-fd-buffers`.
    files: Vec<InodeRef>,
}

impl Default for Fs {
    fn default() -> Self {
        Fs::new(&FsSeed::default())
    }
}

impl Fs {
    /// The tree of a fresh run: `/`, `/dev/null`, `/dev/zero`, `/proc/self/fd`,
    /// `/proc/self/fdinfo`, and what `seed` holds.
    pub(crate) fn new(seed: &FsSeed) -> Fs {
        let mut fs = Fs { nodes: BTreeMap::new(), next_ino: ROOT, proc: 0, files: Vec::new() };
        let root = fs.add(Node::Dir { entries: BTreeMap::new(), parent: ROOT, perm: 0o755 });
        debug_assert_eq!(root, ROOT);
        let dev = fs.mkdir_in(ROOT, b"dev", 0o755);
        for (name, d) in [(&b"null"[..], Device::Null), (b"zero", Device::Zero)] {
            let ino = fs.add(Node::Device(d));
            fs.link(dev, name, ino);
        }
        let proc = fs.mkdir_in(ROOT, b"proc", 0o555);
        fs.proc = proc;
        let this = fs.mkdir_in(proc, b"self", 0o555);
        for (name, info) in [(&b"fd"[..], false), (b"fdinfo", true)] {
            let ino = fs.add(Node::ProcFds { info, parent: this });
            fs.link(this, name, ino);
        }
        for e in seed.entries.iter() {
            let Some((last, dirs)) = e.path.split_last() else { continue };
            let mut dir = ROOT;
            for c in dirs {
                dir = match fs.child(dir, c) {
                    Some(ino) if fs.is_dir(ino) => ino,
                    _ => fs.mkdir_in(dir, c, 0o755),
                };
            }
            if fs.child(dir, last).is_some() {
                continue;
            }
            match &e.bytes {
                None => {
                    fs.mkdir_in(dir, last, e.perm & 0o7777);
                }
                Some(bytes) => {
                    let ino = fs.new_file(e.perm & 0o7777);
                    if let Some(Node::File(f)) = fs.nodes.get(&ino) {
                        f.borrow_mut().bytes = bytes.clone();
                    }
                    fs.link(dir, last, ino);
                }
            }
        }
        fs
    }

    fn add(&mut self, node: Node) -> u64 {
        let ino = self.next_ino;
        self.next_ino += 1;
        self.nodes.insert(ino, node);
        ino
    }

    fn link(&mut self, dir: u64, name: &[u8], ino: u64) {
        if let Some(Node::Dir { entries, .. }) = self.nodes.get_mut(&dir) {
            entries.insert(name.to_vec(), ino);
        }
        if let Some(Node::File(f)) = self.nodes.get(&ino) {
            f.borrow_mut().nlink += 1;
        }
    }

    fn mkdir_in(&mut self, dir: u64, name: &[u8], perm: u32) -> u64 {
        let ino = self.add(Node::Dir { entries: BTreeMap::new(), parent: dir, perm });
        self.link(dir, name, ino);
        ino
    }

    /// A new, empty regular file with `perm` (not yet linked anywhere).
    pub(crate) fn new_file(&mut self, perm: u32) -> u64 {
        let ino = self.next_ino;
        let inode = Rc::new(RefCell::new(Inode { ino, perm, nlink: 0, ..Inode::default() }));
        self.files.push(inode.clone());
        self.add(Node::File(inode))
    }

    /// The node with inode number `ino`.
    pub(crate) fn node(&self, ino: u64) -> Option<&Node> {
        self.nodes.get(&ino)
    }

    pub(crate) fn is_dir(&self, ino: u64) -> bool {
        matches!(self.nodes.get(&ino), Some(Node::Dir { .. } | Node::ProcFds { .. }))
    }

    fn child(&self, dir: u64, name: &[u8]) -> Option<u64> {
        match self.nodes.get(&dir) {
            Some(Node::Dir { entries, .. }) => entries.get(name).copied(),
            _ => None,
        }
    }

    /// The parent of directory `dir` (the root's is the root).
    pub(crate) fn parent_ino(&self, dir: u64) -> u64 {
        self.parent_of(dir)
    }

    /// The absolute path of directory `dir`, if it is still linked into the tree.
    pub(crate) fn path_of(&self, dir: u64) -> Option<Vec<u8>> {
        let mut names = Vec::new();
        let mut d = dir;
        while d != ROOT {
            let parent = self.parent_of(d);
            let name = match self.nodes.get(&parent) {
                Some(Node::Dir { entries, .. }) => entries.iter().find(|(_, &c)| c == d).map(|(n, _)| n.clone())?,
                Some(Node::ProcFds { .. }) | None | Some(_) => return None,
            };
            names.push(name);
            d = parent;
        }
        let mut out = Vec::new();
        for n in names.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(n);
        }
        if out.is_empty() {
            out.push(b'/');
        }
        Some(out)
    }

    fn parent_of(&self, dir: u64) -> u64 {
        match self.nodes.get(&dir) {
            Some(Node::Dir { parent, .. } | Node::ProcFds { parent, .. }) => *parent,
            _ => ROOT,
        }
    }

    /// Host bytes the regular files hold.
    pub(crate) fn bytes(&self) -> usize {
        self.files.iter().map(|f| f.borrow().bytes.len()).sum()
    }

    /// Walks `path` from `start` (the root for an absolute path) up to its last component, which
    /// is returned unresolved. `Err(errno)`: `ENOENT` for a missing directory or an empty path,
    /// `ENOTDIR` for a component that is not one, `ENAMETOOLONG`.
    pub(crate) fn parent(&self, start: u64, path: &[u8]) -> Result<Parent, i64> {
        if path.is_empty() {
            return Err(ENOENT);
        }
        let mut dir = if path[0] == b'/' { ROOT } else { start };
        let trailing_slash = path.ends_with(b"/");
        let comps: Vec<&[u8]> = path.split(|&b| b == b'/').filter(|c| !c.is_empty()).collect();
        if comps.iter().any(|c| c.len() > NAME_MAX) {
            return Err(ENAMETOOLONG);
        }
        let Some((last, dirs)) = comps.split_last() else {
            // "/" or "///": the root itself.
            return Ok(Parent { dir: ROOT, name: b".".to_vec(), trailing_slash: true });
        };
        for c in dirs {
            dir = self.step(dir, c)?;
        }
        Ok(Parent { dir, name: last.to_vec(), trailing_slash })
    }

    /// One step of a walk from directory `dir` through component `c`.
    fn step(&self, dir: u64, c: &[u8]) -> Result<u64, i64> {
        if !self.is_dir(dir) {
            return Err(ENOTDIR);
        }
        match c {
            b"." => Ok(dir),
            b".." => Ok(self.parent_of(dir)),
            _ => match self.nodes.get(&dir) {
                Some(Node::ProcFds { .. }) => Err(ENOTDIR),
                _ => self.child(dir, c).ok_or(ENOENT),
            },
        }
    }

    /// Resolves the last component in its parent: a node, or an fd entry of `/proc/self/fd*`.
    pub(crate) fn lookup_in(&self, p: &Parent) -> Result<Found, i64> {
        if !self.is_dir(p.dir) {
            return Err(ENOTDIR);
        }
        let found = match (self.nodes.get(&p.dir), &p.name[..]) {
            (_, b".") => Found::Node(p.dir),
            (_, b"..") => Found::Node(self.parent_of(p.dir)),
            (Some(Node::ProcFds { info, .. }), name) => match parse_fd(name) {
                Some(fd) => Found::ProcFd { info: *info, fd },
                None => return Err(ENOENT),
            },
            (_, name) => Found::Node(self.child(p.dir, name).ok_or(ENOENT)?),
        };
        if p.trailing_slash {
            if let Found::Node(ino) = found {
                if !self.is_dir(ino) {
                    return Err(ENOTDIR);
                }
            }
        }
        Ok(found)
    }

    /// `mkdir`: a new directory named `p.name` in `p.dir`.
    pub(crate) fn mkdir(&mut self, p: &Parent, perm: u32) -> Result<(), i64> {
        match self.nodes.get(&p.dir) {
            Some(Node::Dir { .. }) => {}
            Some(Node::ProcFds { .. }) => return Err(ENOENT),
            _ => return Err(ENOTDIR),
        }
        if p.name == b"." || p.name == b".." || self.child(p.dir, &p.name).is_some() {
            return Err(EEXIST);
        }
        if self.is_proc(p.dir) {
            return Err(ENOENT);
        }
        self.mkdir_in(p.dir, &p.name, perm & 0o7777 & !UMASK);
        Ok(())
    }

    /// `open(O_CREAT)` of a missing name: a new regular file linked as `p.name`.
    pub(crate) fn create(&mut self, p: &Parent, perm: u32) -> Result<u64, i64> {
        if self.is_proc(p.dir) {
            return Err(ENOENT);
        }
        let ino = self.new_file(perm & 0o7777 & !UMASK);
        self.link(p.dir, &p.name, ino);
        Ok(ino)
    }

    /// Whether `dir` is `/proc` or below it (nothing can be made or removed there: Linux
    /// answers `ENOENT` or `EACCES`).
    fn is_proc(&self, dir: u64) -> bool {
        let mut d = dir;
        while d != ROOT {
            if d == self.proc || matches!(self.nodes.get(&d), Some(Node::ProcFds { .. })) {
                return true;
            }
            d = self.parent_of(d);
        }
        false
    }

    /// `unlink`: removes the name `p.name` (not a directory: `EISDIR`, as Linux answers).
    pub(crate) fn unlink(&mut self, p: &Parent) -> Result<(), i64> {
        let ino = match self.lookup_in(p)? {
            Found::Node(ino) => ino,
            Found::ProcFd { .. } => return Err(EACCES),
        };
        match self.nodes.get(&ino) {
            Some(Node::Dir { .. } | Node::ProcFds { .. }) => return Err(EISDIR),
            _ => {}
        }
        if self.is_proc(p.dir) {
            return Err(EACCES);
        }
        if let Some(Node::Dir { entries, .. }) = self.nodes.get_mut(&p.dir) {
            entries.remove(&p.name);
        }
        if let Some(Node::File(f)) = self.nodes.remove(&ino) {
            let mut f = f.borrow_mut();
            f.nlink = f.nlink.saturating_sub(1);
        }
        Ok(())
    }

    /// Names in directory `ino` (for `st_nlink`: 2 plus its subdirectories).
    pub(crate) fn dir_nlink(&self, ino: u64) -> u64 {
        match self.nodes.get(&ino) {
            Some(Node::Dir { entries, .. }) => 2 + entries.values().filter(|&&c| self.is_dir(c)).count() as u64,
            _ => 2,
        }
    }

    /// A directory's permission bits.
    pub(crate) fn dir_perm(&self, ino: u64) -> u32 {
        match self.nodes.get(&ino) {
            Some(Node::Dir { perm, .. }) => *perm,
            _ => 0o555,
        }
    }
}

/// An fd number written as `/proc/self/fd` names them: decimal digits, no sign, no leading 0.
fn parse_fd(name: &[u8]) -> Option<i32> {
    if name.is_empty() || (name.len() > 1 && name[0] == b'0') || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(name).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(fs: &Fs, path: &str) -> Result<Found, i64> {
        let p = fs.parent(ROOT, path.as_bytes())?;
        fs.lookup_in(&p)
    }

    #[test]
    fn dot_dot_never_leaves_the_root() {
        let fs = Fs::default();
        assert!(matches!(resolve(&fs, "../../../dev/null"), Ok(Found::Node(_))));
        assert!(matches!(resolve(&fs, "/../../etc/passwd"), Err(ENOENT)));
        assert!(matches!(resolve(&fs, "/dev/null/x"), Err(ENOTDIR)));
        assert!(matches!(resolve(&fs, ""), Err(ENOENT)));
        assert!(matches!(resolve(&fs, "/proc/self/fdinfo/3"), Ok(Found::ProcFd { info: true, fd: 3 })));
        assert!(matches!(resolve(&fs, "/proc/self/fd/03"), Err(ENOENT)));
    }

    #[test]
    fn files_are_made_linked_and_unlinked() {
        let mut fs = Fs::default();
        let p = fs.parent(ROOT, b"/d").unwrap();
        fs.mkdir(&p, 0o777).unwrap();
        assert_eq!(fs.mkdir(&p, 0o777), Err(EEXIST));
        let p = fs.parent(ROOT, b"/d/f").unwrap();
        let ino = fs.create(&p, 0o666).unwrap();
        let Some(Node::File(f)) = fs.node(ino) else { panic!("a file") };
        let f = f.clone();
        assert_eq!((f.borrow().perm, f.borrow().nlink), (0o644, 1));
        fs.unlink(&p).unwrap();
        assert_eq!(f.borrow().nlink, 0);
        assert_eq!(fs.unlink(&p), Err(ENOENT));
        assert_eq!(fs.unlink(&fs.parent(ROOT, b"/d").unwrap()), Err(EISDIR));
    }

    #[test]
    fn a_seed_fills_the_tree() {
        let seed = FsSeed::new(vec![
            SeedEntry { path: vec![b"etc".to_vec()], perm: 0o755, bytes: None },
            SeedEntry { path: vec![b"etc".to_vec(), b"motd".to_vec()], perm: 0o644, bytes: Some(b"hi\n".to_vec()) },
        ]);
        let fs = Fs::new(&seed);
        let Ok(Found::Node(ino)) = resolve(&fs, "/etc/motd") else { panic!("seeded") };
        let Some(Node::File(f)) = fs.node(ino) else { panic!("a file") };
        assert_eq!(f.borrow().bytes, b"hi\n");
    }
}
