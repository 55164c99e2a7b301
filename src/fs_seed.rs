//! `--fs DIR`: the host directory a run's file system is seeded from. It is read here, once,
//! before any run (the shims never touch a host file): every directory and regular file below
//! `DIR`, in name order, with its bytes and permission bits. Symbolic links, devices, FIFOs and
//! sockets are left out (a link could name a file outside `DIR`). Nothing is ever written back.

use spindle_shims::fs::{FsSeed, SeedEntry};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Reads `dir` into a seed. `max_bytes` bounds the files' bytes together (the guest's
/// `--max-fd-buffers`): a larger directory is an error, as is one that cannot be read.
pub fn load(dir: &Path, max_bytes: u64) -> Result<FsSeed, String> {
    let meta = std::fs::metadata(dir).map_err(|e| format!("--fs `{}`: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("--fs `{}`: not a directory", dir.display()));
    }
    let mut entries = Vec::new();
    let mut total = 0u64;
    walk(dir, &mut Vec::new(), &mut entries, &mut total, max_bytes)?;
    Ok(FsSeed::new(entries))
}

fn walk(dir: &Path, prefix: &mut Vec<Vec<u8>>, out: &mut Vec<SeedEntry>, total: &mut u64, max: u64) -> Result<(), String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("--fs: cannot read `{}`: {e}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--fs: cannot read `{}`: {e}", dir.display()))?;
    names.sort();
    for path in names {
        let meta = std::fs::symlink_metadata(&path).map_err(|e| format!("--fs: `{}`: {e}", path.display()))?;
        let Some(name) = path.file_name() else { continue };
        let name = std::os::unix::ffi::OsStrExt::as_bytes(name).to_vec();
        let perm = meta.permissions().mode() & 0o7777;
        prefix.push(name);
        if meta.is_dir() {
            out.push(SeedEntry { path: prefix.clone(), perm, bytes: None });
            walk(&path, prefix, out, total, max)?;
        } else if meta.is_file() {
            *total = total.saturating_add(meta.len());
            if *total > max {
                return Err(format!("--fs `{}`: its files hold more than {max} bytes (--max-fd-buffers)", dir.display()));
            }
            let bytes = std::fs::read(&path).map_err(|e| format!("--fs: cannot read `{}`: {e}", path.display()))?;
            out.push(SeedEntry { path: prefix.clone(), perm, bytes: Some(bytes) });
        }
        prefix.pop();
    }
    Ok(())
}
