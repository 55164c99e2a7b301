//! What a call touches, for schedule exploration's dependence relation (docs/explore.md,
//! "The dependence relation"). A call the VM is not told about is "global": dependent with
//! every other global call and with everything a call or a `print` touched outside memory.
//! This hook refines the calls whose effects are known to stay within their descriptions:
//! `read`, `write`, `recv` and `send` on a pipe, socket or eventfd touch that description and
//! its peer (and read the fd table); on stdout or stderr they touch the console, as `print`
//! does. Everything else — and every call once an epoll instance exists (a data operation then
//! changes the ready lists of the instances that watch it) — stays global.
//!
//! Not modelled: the `--max-fd-buffers` limit, which all descriptions share (a run that reaches
//! it stops with exit code 4 whatever the order).

use crate::Shims;
use spindle_fds::{DescriptionKind, FdId};
use spindle_vm::por::{futex_queue_loc, mem_loc, resource_loc, LOC_CONSOLE};
use spindle_vm::Machine;

/// The fd table: every call that looks an fd up reads it.
const FD_TABLE: u32 = 0x7fff_ffff;

fn description(id: FdId) -> u32 {
    (id.0 % FD_TABLE as u64) as u32
}

impl Shims {
    /// Before call `name` runs with `args`: says what it touches, if it is a call whose
    /// footprint is known (see the module documentation).
    pub(crate) fn touch_footprint(&self, m: &mut Machine<Shims>, name: &str, args: &[u64]) {
        if name == "futex" {
            return futex_footprint(m, args);
        }
        if !matches!(name, "read" | "write" | "recv" | "send") || self.epoll_used {
            return;
        }
        let Some(&fd) = args.first() else { return };
        let Ok(id) = self.fds.lookup(fd as i32) else {
            // EBADF: the answer depends on the table only.
            m.touch(resource_loc(FD_TABLE), false);
            return;
        };
        let Some(kind) = self.fds.get(id).map(|d| d.kind()) else { return };
        if self.state.get(id).is_some_and(|s| s.timer.is_some()) {
            return;
        }
        match kind {
            DescriptionKind::Stdout | DescriptionKind::Stderr => m.touch(LOC_CONSOLE, true),
            DescriptionKind::Stdin
            | DescriptionKind::EventFd
            | DescriptionKind::PipeRead
            | DescriptionKind::PipeWrite
            | DescriptionKind::Socket
            | DescriptionKind::Directory
            | DescriptionKind::Device => {
                m.touch(resource_loc(description(id)), true);
                if let Some(peer) = self.fds.peer_of(id) {
                    m.touch(resource_loc(description(peer)), true);
                }
            }
            // A regular file's bytes are shared by every description opened on it (and by
            // its name): say nothing, so the call is global.
            DescriptionKind::Host | DescriptionKind::RegularFile => return,
        }
        m.touch(resource_loc(FD_TABLE), false);
    }
}

/// `futex` touches its word's wait queue, a pseudo-location of its own
/// ([`futex_queue_loc`]), not the word's memory: here every call but a wait reads the queue
/// (and a requeue writes the second word's), and a wait reads the word (as it does anyway:
/// which queue it joins, if any, depends on the word alone); [`crate::futex`] then says what
/// the call did to the queue — a wait that sleeps (or returns spuriously in its place) and a
/// wake that wakes a thread write it, a wake that finds nobody only reads it, a wait that finds
/// the word changed (`EAGAIN`) does not touch it — and a wait reads the word itself as an
/// atomic load does. So a wake commutes with the atomics on its word, two wakes that find
/// nobody commute, and a wait that finds the word changed commutes with every wake and every
/// other wait (it neither joins the queue nor looks at it).
fn futex_footprint(m: &mut Machine<Shims>, args: &[u64]) {
    let addr = args.first().copied().unwrap_or(0);
    let op = args.get(1).copied().unwrap_or(0) as i32 & !(128 | 256);
    if op == 0 || op == 9 {
        m.touch(mem_loc(addr), false);
        return;
    }
    m.touch(futex_queue_loc(addr), false);
    if op == 3 || op == 4 {
        m.touch(futex_queue_loc(args.get(4).copied().unwrap_or(0)), true);
    }
}
