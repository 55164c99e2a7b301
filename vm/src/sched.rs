//! Scheduling policies. The scheduler is consulted only at scheduling points (foreign calls and
//! thread ends), so plain computation never changes the schedule.

use crate::thread::ThreadId;

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same schedule on
/// every machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64) < p
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Policy {
    /// Keep the running thread until it blocks, yields or ends; then round robin.
    Fixed,
    /// At every scheduling point, switch with probability `preemption` to a thread chosen
    /// uniformly among the runnable ones.
    Random { seed: u64, preemption: f64 },
}

pub struct Scheduler {
    pub policy: Policy,
    rng: Rng,
}

impl Scheduler {
    pub fn new(policy: Policy) -> Self {
        let seed = match policy {
            Policy::Fixed => 0,
            Policy::Random { seed, .. } => seed,
        };
        Scheduler { policy, rng: Rng::new(seed) }
    }

    /// Whether the interpreter must return to the scheduler after a scheduling point at which the
    /// current thread stayed runnable.
    pub fn wants_decision(&self) -> bool {
        matches!(self.policy, Policy::Random { .. })
    }

    /// Picks the next thread. `runnable` is sorted; `current` may or may not be in it.
    /// `yielded` says the current thread asked to let others run.
    pub fn pick(&mut self, current: ThreadId, current_runnable: bool, yielded: bool, runnable: &[ThreadId]) -> ThreadId {
        debug_assert!(!runnable.is_empty());
        match self.policy {
            Policy::Fixed => {
                if current_runnable && !yielded {
                    return current;
                }
                // The first runnable thread after the current one, wrapping around.
                runnable.iter().copied().find(|&t| t > current).unwrap_or(runnable[0])
            }
            Policy::Random { preemption, .. } => {
                if current_runnable && !yielded && !self.rng.chance(preemption) {
                    return current;
                }
                if yielded && runnable.len() > 1 {
                    let others: Vec<ThreadId> = runnable.iter().copied().filter(|&t| t != current).collect();
                    return others[self.rng.below(others.len())];
                }
                runnable[self.rng.below(runnable.len())]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(8).next_u64(), xs[0]);
    }

    #[test]
    fn fixed_policy_is_round_robin_after_a_yield() {
        let mut s = Scheduler::new(Policy::Fixed);
        assert_eq!(s.pick(1, true, false, &[0, 1, 2]), 1);
        assert_eq!(s.pick(1, true, true, &[0, 1, 2]), 2);
        assert_eq!(s.pick(2, false, false, &[0, 1]), 0);
    }
}
