//! What the hand-written suites share.

use spindle_diff::{check, host, vm, Op, Scenario};

/// Runs the scenario on both backends; panics with the side-by-side records if they differ.
///
/// A scenario that uses epoll while Spindle has no epoll calls yet runs against the kernel, and
/// Spindle must agree on every operation before the first epoll call and stop there as
/// unsupported: the generated program is valid, and the scenario is ready for when epoll lands.
pub fn agree(s: &Scenario) {
    if s.uses_epoll() && !vm::has_epoll() {
        let s = s.resolved();
        let first = s.ops.iter().position(|o| matches!(o, Op::EpollCreate1 { .. } | Op::EpollCtl { .. } | Op::EpollWait { .. }));
        let first = first.expect("an epoll operation");
        let kernel = host::run(&s);
        let spindle = vm::run(&s);
        assert_eq!(kernel.end, None);
        assert_eq!(spindle.recs[..], kernel.recs[..first], "the operations before the first epoll call agree");
        let end = spindle.end.unwrap_or_default();
        assert!(end.starts_with("Unsupported") && end.contains("epoll"), "Spindle stops at the first epoll call: {end}");
        return;
    }
    if let Err(m) = check(s) {
        panic!("\n{m}");
    }
}

/// `scenario!(name, |s| { … })`: a test that builds scenario `name` with `s` and checks that
/// both backends agree.
#[macro_export]
macro_rules! scenario {
    ($(#[$meta:meta])* $name:ident, |$s:ident| $body:block) => {
        $(#[$meta])*
        #[test]
        fn $name() {
            let mut $s = spindle_diff::Scenario::new(stringify!($name));
            $body
            common::agree(&$s);
        }
    };
}
