//! `/proc/self/fdinfo/N`: the text Linux shows for an open fd (`seq_show` in fs/proc/fd.c and
//! each file's `show_fdinfo`). Facts: shims/probes/file_scenarios/fdinfo.c. The text is made when
//! the file is opened (Linux makes it at the first read, which a program does right after).

use crate::consts::linux;
use crate::Shims;
use spindle_fds::{DescriptionKind, FdId, FileKind};
use spindle_vm::Machine;
use std::fmt::Write;

/// `mnt_id:` of each kind (fixed numbers, as Spindle has no mounts).
const MNT_PIPEFS: u32 = 16;
const MNT_ANON: u32 = 17;
const MNT_SOCKFS: u32 = 10;
const MNT_FS: u32 = 27;
const MNT_DEV: u32 = 24;

impl Shims {
    /// The text of `/proc/self/fdinfo/{fd}`, `fd` naming description `id`.
    pub(crate) fn fdinfo(&mut self, m: &Machine<Shims>, fd: i32, id: FdId) -> String {
        let mut out = String::new();
        let Some(d) = self.fds.get(id) else { return out };
        let pos = match d.as_file().map(|f| f.kind()) {
            Some(FileKind::Regular { pos, .. } | FileKind::Directory { pos, .. }) => *pos,
            _ => 0,
        };
        let status = self.fds.status_flags(id).unwrap_or_default();
        let mut flags = d.accmode();
        if status.nonblock {
            flags |= linux::O_NONBLOCK as u64;
        }
        if status.append {
            flags |= linux::O_APPEND as u64;
        }
        if d.largefile() {
            flags |= 0o100000;
        }
        if self.fds.cloexec(fd).unwrap_or(false) {
            flags |= linux::O_CLOEXEC as u64;
        }
        let kind = d.kind();
        let mnt = match kind {
            DescriptionKind::PipeRead | DescriptionKind::PipeWrite => MNT_PIPEFS,
            DescriptionKind::Socket => MNT_SOCKFS,
            DescriptionKind::EventFd | DescriptionKind::Host => MNT_ANON,
            DescriptionKind::RegularFile | DescriptionKind::Directory => MNT_FS,
            DescriptionKind::Stdin | DescriptionKind::Stdout | DescriptionKind::Stderr | DescriptionKind::Device => MNT_DEV,
        };
        let ino = self.stat_ino(id);
        let _ = write!(out, "pos:\t{pos}\nflags:\t0{flags:o}\nmnt_id:\t{mnt}\nino:\t{ino}\n");
        match kind {
            DescriptionKind::EventFd => {
                if let Some(e) = d.as_eventfd() {
                    let _ = write!(
                        out,
                        "eventfd-count: {:16x}\neventfd-id: {}\neventfd-semaphore: {}\n",
                        e.counter(),
                        id.0,
                        e.is_semaphore() as u8
                    );
                }
            }
            DescriptionKind::Socket => out.push_str("scm_fds: 0\n"),
            DescriptionKind::Host if self.is_timerfd(id) => {
                let (clock, ticks, flags, value, interval) = self.timerfd_info(m, id);
                let _ = write!(
                    out,
                    "clockid: {clock}\nticks: {ticks}\nsettime flags: 0{flags:o}\nit_value: ({}, {})\nit_interval: ({}, {})\n",
                    value / 1_000_000_000,
                    value % 1_000_000_000,
                    interval / 1_000_000_000,
                    interval % 1_000_000_000
                );
            }
            DescriptionKind::Host => {
                for (target, tfd, events, data) in self.epolls.interests(id) {
                    let tino = self.stat_ino(target);
                    let sdev = self.stat_dev(target);
                    let _ = writeln!(out, "tfd: {tfd:8} events: {events:8x} data: {data:16x}  pos:0 ino:{tino:x} sdev:{sdev:x}");
                }
            }
            _ => {}
        }
        out
    }
}
