//! Programs with native twins print what the twins printed on Linux: for every recording
//! `<name>.txt` in a twin directory below, `spindle run` of the program `<name>.mir` prints exactly
//! its lines (but the native-only ones, which start with `# `). The twins themselves are rerun by
//! each directory's `run.sh`.

mod common;

use std::path::Path;
use std::time::Duration;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_spindle");

/// (twin directory, program directory, the recordings checked: all of them if empty). Of the
/// epoll twins only those added with this test are listed: the others predate it, and their
/// directory's README.md lists where they differ (variants, native-only schedules).
const TWINS: &[(&str, &str, &[&str])] = &[
    ("shims/probes/file_scenarios", "programs/files", &[]),
    ("shims/probes/epoll_scenarios", "programs/epoll", &["timerfd_clock_epoch"]),
    ("shims/probes/process_scenarios", "programs/processes", &[]),
    ("shims/probes/fd_scenarios", "programs/fds", &["eventfd_legacy"]),
    ("shims/probes/signal_scenarios", "programs/signals", &[]),
    ("shims/probes/poll_scenarios", "programs/poll", &["select_table"]),
];

#[test]
fn programs_print_what_their_native_twins_printed() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (twins, programs, only) in TWINS {
        let mut names: Vec<_> = std::fs::read_dir(Path::new(ROOT).join(twins))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        names.sort();
        for txt in names {
            let name = txt.file_stem().unwrap().to_str().unwrap().to_string();
            if !only.is_empty() && !only.contains(&name.as_str()) {
                continue;
            }
            let program = format!("{programs}/{name}.mir");
            let src = std::fs::read_to_string(Path::new(ROOT).join(&program)).unwrap_or_else(|e| panic!("{program}: {e}"));
            let mut args = vec!["run".to_string()];
            if let Some(flags) = src.lines().find_map(|l| l.strip_prefix("// spindle-flags:")) {
                args.extend(flags.split_whitespace().map(String::from));
            }
            args.push(program.clone());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = common::run_binary(BIN, Some(Path::new(ROOT)), &args, Duration::from_secs(60));
            let expected: String =
                std::fs::read_to_string(&txt).unwrap().lines().filter(|l| !l.starts_with("# ")).map(|l| format!("{l}\n")).collect();
            let stdout = String::from_utf8_lossy(&run.stdout);
            if stdout != expected {
                failures.push(format!("{program} differs from {twins}/{name}.txt:\n--- linux\n{expected}--- spindle\n{stdout}"));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 2, "only {checked} twin recordings found");
}
