//! Known mismatches: differences from the kernel that the harness has met and classified.
//!
//! Each entry is either a deliberate divergence (listed in `docs/divergences.md`) or a Spindle
//! bug that is reported and not fixed yet. Each has a minimal scenario that shows it, and the
//! suite asserts that the scenario *still mismatches* (`tests/scenarios.rs`,
//! `known_mismatches_still_mismatch`): fixing a bug makes that test fail until its entry is
//! removed here and its scenario moves to the agreeing suite. The fuzzer counts a mismatch that
//! [`classify`] recognises as known instead of failing on it.

use crate::record::Mismatch;
use crate::scenario::{lx, Fd, Handler, KillTo, Op, Scenario};

/// Why a known mismatch exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Deliberate: in `docs/divergences.md`.
    Divergence,
    /// A Spindle bug, reported, to be fixed.
    Bug,
}

pub struct Known {
    pub name: &'static str,
    pub kind: Kind,
    /// A minimal scenario that shows it.
    pub scenario: fn() -> Scenario,
    /// Whether a (shrunk) mismatch is this one.
    pub matches: fn(&Mismatch) -> bool,
}

/// Every known mismatch.
pub static KNOWN: &[Known] = &[
    Known {
        name: "divergence: a woken call sees a signal its sender takes at once (signalfd of an unblocked signal)",
        kind: Kind::Divergence,
        scenario: || {
            let mut s = Scenario::new("known_woken_call_sees_a_signal_taken_at_once");
            s.sigaction(lx::SIGUSR1, Handler::Log, 0);
            let sfd = s.signalfd(Fd::Abs(-1), 1 << (lx::SIGUSR1 - 1), 0);
            s.park_poll(sfd, lx::POLLIN);
            s.kill(lx::SIGUSR1, KillTo::Process); // not blocked: the sender's handler takes it
            s.kill(lx::SIGUSR1, KillTo::Parked);
            s
        },
        matches: woken_by_a_signal_taken_at_once,
    },
    Known {
        name: "divergence: calls and flags Linux has but Spindle does not model stop the run",
        kind: Kind::Divergence,
        scenario: || {
            let mut s = Scenario::new("known_unsupported_stops_the_run");
            s.pipe2(0o40000); // O_DIRECT: a packet-mode pipe on Linux
            s.pipe2(lx::O_NONBLOCK);
            s
        },
        // Only the pinned scenario: the generator never asks for what Spindle does not model,
        // so an unsupported stop in a random scenario is a generator bug to fix.
        matches: |m| {
            m.scenario.name == "known_unsupported_stops_the_run" && m.spindle.end.as_deref().is_some_and(|e| e.starts_with("Unsupported"))
        },
    },
];

/// The kernel's side and Spindle differ while a call is parked, after a signal was sent that
/// the scenario watches with a signalfd: on Linux the sender takes the signal on its way out of
/// `kill` (its handler runs) before the woken parked thread polls the signalfd again, so the
/// parked call goes on sleeping; in Spindle a woken call completes within the waking call, and
/// finds the signal still pending (docs/divergences.md, "When a woken call looks at a signal").
fn woken_by_a_signal_taken_at_once(m: &Mismatch) -> bool {
    let ops = &m.scenario.ops;
    let i = m.first_diff();
    let parked = m.scenario.parked_during();
    let Some(park) = (0..i.min(ops.len())).rev().find(|&k| matches!(ops[k], Op::Park { .. })) else { return false };
    let during = parked.get(i).is_some_and(|p| p.is_some()) || matches!(ops.get(i), Some(Op::Unpark));
    during
        && ops.iter().any(|o| matches!(o, Op::SignalFd { .. }))
        && ops[park..i].iter().any(|o| matches!(o, Op::Kill { to: KillTo::Process | KillTo::Raise, .. }))
}

/// The name of the known mismatch `m` is, if any.
pub fn classify(m: &Mismatch) -> Option<&'static str> {
    KNOWN.iter().find(|k| (k.matches)(m)).map(|k| k.name)
}
