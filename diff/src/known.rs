//! Known mismatches: differences from the kernel that the harness has met and classified.
//!
//! Each entry is either a deliberate divergence (listed in `docs/divergences.md`) or a Spindle
//! bug that is reported and not fixed yet. Each has a minimal scenario that shows it, and the
//! suite asserts that the scenario *still mismatches* (`tests/scenarios.rs`,
//! `known_mismatches_still_mismatch`): fixing a bug makes that test fail until its entry is
//! removed here and its scenario moves to the agreeing suite. The fuzzer counts a mismatch that
//! [`classify`] recognises as known instead of failing on it.

use crate::record::Mismatch;
use crate::scenario::{lx, Scenario};

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
pub static KNOWN: &[Known] = &[Known {
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
}];

/// The name of the known mismatch `m` is, if any.
pub fn classify(m: &Mismatch) -> Option<&'static str> {
    KNOWN.iter().find(|k| (k.matches)(m)).map(|k| k.name)
}
