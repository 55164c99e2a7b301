//! The `spindle` command line.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use cli_io::{Verdict, Watched};
use spindle::flags::RunFlags;
use spindle::{Config, Program, RunConfig, EXIT_BAD_PROGRAM};
use spindle_vm::machine::Console;
use std::io::Write;
use std::process::ExitCode;

/// A deterministic virtual machine for concurrent guest programs.
///
/// Exit status of `run`: the guest's own exit code; 1 undefined behaviour (including data races
/// and deadlocks); 2 malformed program or bad command line; 3 unsupported operation; 4 resource
/// limit exceeded; 5 Spindle and the kernel disagree (`--against-kernel`); 6 an output could not
/// be written (stdout, a trace, timeline or schedule file: the message names it); 101 guest
/// panic (failed assert, arithmetic overflow); 130 interrupted (Ctrl-C); 134 abort().
#[derive(Parser)]
#[command(name = "spindle", version, about, long_about = None)]
struct Cli {
    /// When to color diagnostics. `auto`: when stderr is a terminal, unless the environment says
    /// otherwise (`NO_COLOR` set: never; `CLICOLOR_FORCE` set: also into a pipe).
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Run a guest program. Its stdout and stderr pass through; the exit status is the guest's.
    ///
    /// Exit status: the guest's own exit code; 1 undefined behaviour (including data races and
    /// deadlocks); 2 malformed program or bad command line; 3 unsupported operation; 4 resource
    /// limit exceeded; 5 Spindle and the kernel disagree (`--against-kernel`); 6 an output could
    /// not be written (the guest's stdout or stderr, `--trace-file`, `--timeline`,
    /// `--save-schedule`: the message names it; it replaces the guest's own exit code); 101 guest
    /// panic (failed assert, arithmetic overflow); 130 interrupted by Ctrl-C (the report shows
    /// where each thread was); 134 abort().
    Run(RunArgs),
    /// Run a program under many schedules and report its outcomes and the first failure, with
    /// a replay string and a minimised schedule (docs/explore.md). Exit status: 0 no failure
    /// found, 1 a failure found, 2 bad input, 6 the summary or schedule could not be written, 130
    /// interrupted by Ctrl-C (after printing the summary so far).
    Explore(explore_cli::Args),
    /// Parse and check a program without running it (exit 0 if it is valid, 2 if not).
    Check {
        /// The program (.mir).
        file: String,
        /// Give the program's `const NAME` the value VALUE (repeatable).
        #[arg(long = "const", value_name = "NAME=VALUE", value_parser = spindle::LoadOptions::parse_const)]
        consts: Vec<(String, String)>,
        /// Do not print the program's warnings.
        #[arg(short, long)]
        quiet: bool,
        /// Longest program read (exit 2 beyond it; default 8 MiB).
        #[arg(long, value_name = "BYTES", default_value_t = spindle::DEFAULT_MAX_INPUT_BYTES)]
        max_input_bytes: u64,
    },
    /// Print the built-in Linux constants and their values.
    Constants,
    /// The kernel side of `run --against-kernel` (started by it; talks on stdin and stdout).
    #[command(name = "__kernel-oracle", hide = true)]
    KernelOracle,
    /// Print a completion script for SHELL (`spindle completions bash > /etc/bash_completion.d/spindle`).
    #[command(hide = true)]
    Completions {
        /// bash, elvish, fish, powershell or zsh.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) of spindle, or of one subcommand (`spindle man run | man -l -`).
    #[command(hide = true)]
    Man {
        /// `run`, `explore`, `check` or `constants`.
        subcommand: Option<String>,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The program (.mir).
    file: String,
    /// The flags that describe the run (also what a `// spindle-flags:` header may give).
    #[command(flatten)]
    flags: RunFlags,
    /// Seed the guest's in-memory file system with a copy of this host directory, read before
    /// the run and never written back (docs/syscalls.md, "Files").
    #[arg(long, value_name = "DIR")]
    fs: Option<std::path::PathBuf>,
    /// Write the trace to this file instead of stderr (implies `--trace`).
    #[arg(short = 'o', long, value_name = "FILE")]
    trace_file: Option<String>,
    /// Write a timeline (Chrome trace-event JSON, for ui.perfetto.dev) to FILE.
    #[arg(long, value_name = "FILE")]
    timeline: Option<String>,
    /// Write the run's schedule string to FILE (with `--sched random` or `--replay`).
    #[arg(long, value_name = "FILE")]
    save_schedule: Option<String>,
    /// Also make every system call on the host kernel, in lockstep, and stop at the first
    /// result, errno or output bytes that differ (exit 5, both answers side by side). For
    /// single-threaded programs that never block; docs/divergences.md.
    #[arg(long, conflicts_with_all = ["replay", "save_schedule", "timeline"])]
    against_kernel: bool,
    /// Give the program's `const NAME` the value VALUE (repeatable): `--const MODE=EPOLLET`.
    #[arg(long = "const", value_name = "NAME=VALUE", value_parser = spindle::LoadOptions::parse_const)]
    consts: Vec<(String, String)>,
    /// Do not print the program's warnings (errors and the failure report still print).
    #[arg(short, long)]
    quiet: bool,
    /// Longest program or `--replay @FILE` file read (exit 2 beyond it; default 8 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = spindle::DEFAULT_MAX_INPUT_BYTES)]
    max_input_bytes: u64,
}

mod cli_io;
mod explore_cli;

/// `spindle run --against-kernel`: the run, checked against the kernel (docs/divergences.md).
#[cfg(target_os = "linux")]
fn run_against_kernel(p: &Program, config: &RunConfig, console: Console, tracer: Option<spindle::Tracer>, color: bool) -> Verdict {
    match spindle::Oracle::current_exe().and_then(|o| p.against_kernel_with_console(config, console, tracer, &o)) {
        Ok(c) => {
            cli_io::diag(&c.render(p, color));
            if c.agreed() && c.outcome.stop.is_exit() {
                Verdict::Yields(c.exit_code())
            } else {
                Verdict::Keeps(c.exit_code())
            }
        }
        Err(e) => {
            cli_io::error(format_args!("--against-kernel: {e}"));
            Verdict::Keeps(3)
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn run_against_kernel(_: &Program, _: &RunConfig, _: Console, _: Option<spindle::Tracer>, _: bool) -> Verdict {
    cli_io::error("--against-kernel compares with the Linux kernel: it needs Linux");
    Verdict::Keeps(3)
}

#[cfg(target_os = "linux")]
fn kernel_oracle() -> i32 {
    spindle::against_kernel::serve()
}

#[cfg(not(target_os = "linux"))]
fn kernel_oracle() -> i32 {
    3
}

fn main() -> ExitCode {
    // The oracle must arrange its fds before anything else runs.
    #[cfg(target_os = "linux")]
    if std::env::args_os().nth(1).is_some_and(|a| a == spindle::against_kernel::ORACLE_SUBCOMMAND) {
        return ExitCode::from(spindle::against_kernel::serve() as u8);
    }
    let parsed = Cli::command().try_get_matches().and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(x) => x,
        Err(e) => {
            // `--help` and `--version` go to stdout: an output like any other. A usage error
            // goes to stderr, and exits 2 whether or not it could be written.
            let printed = e.print();
            let code = e.exit_code();
            if let Err(err) = printed {
                if !e.use_stderr() {
                    cli_io::failed("stdout", err);
                    return ExitCode::from(cli_io::finish(Verdict::Yields(code)) as u8);
                }
            }
            return ExitCode::from(code as u8);
        }
    };
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        // A terminal that supports colour, unless NO_COLOR (or CLICOLOR=0, TERM=dumb) says
        // otherwise; CLICOLOR_FORCE colours a pipe too (https://no-color.org, bixense.com/clicolors).
        Color::Auto => anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never,
    };
    let verdict = match cli.command {
        Command::Constants => {
            let mut text = String::new();
            for (name, v) in spindle_shims::consts::CONSTANTS {
                text.push_str(&format!("{name} = {v}\n"));
            }
            cli_io::out(&text);
            Verdict::Yields(0)
        }
        Command::Explore(args) => explore_cli::run(args, color),
        Command::KernelOracle => Verdict::Keeps(kernel_oracle()),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            // Without the hidden subcommands (the oracle's, these two), which bash would offer.
            let cli = Cli::command();
            let visible = cli.get_subcommands().filter(|c| !c.is_hide_set()).cloned();
            let mut cmd = clap::Command::new("spindle").args(cli.get_arguments().cloned()).subcommands(visible);
            clap_complete::generate(shell, &mut cmd, "spindle", &mut script);
            cli_io::out(&String::from_utf8_lossy(&script));
            Verdict::Yields(0)
        }
        Command::Man { subcommand } => man(subcommand.as_deref()),
        Command::Check { file, consts, quiet, max_input_bytes } => {
            match Program::load_limited(&file, &spindle::LoadOptions { consts, ..Default::default() }, max_input_bytes) {
                Ok(p) => {
                    if !quiet {
                        cli_io::diag(&p.render_warnings(color));
                    }
                    Verdict::Yields(0)
                }
                Err(e) => {
                    cli_io::diag(&e.render(color));
                    Verdict::Keeps(EXIT_BAD_PROGRAM)
                }
            }
        }
        Command::Run(args) => {
            // Which run flags were given (the others keep `Config`'s defaults).
            let run_matches = matches.subcommand_matches("run");
            let given = |id: &str| run_matches.is_some_and(|m| m.value_source(id) == Some(clap::parser::ValueSource::CommandLine));
            run(args, &given, color)
        }
    };
    ExitCode::from(cli_io::finish(verdict) as u8)
}

/// `spindle man [SUBCOMMAND]`: the page generated from the clap definitions.
fn man(subcommand: Option<&str>) -> Verdict {
    let cli = Cli::command();
    let cmd = match subcommand {
        None => cli,
        // `spindle-run(1)`, as git and cargo name their subcommands' pages.
        Some(name) => match (cli.get_subcommands().find(|c| c.get_name() == name && !c.is_hide_set()), name) {
            (Some(c), "run") => c.clone().name("spindle-run"),
            (Some(c), "explore") => c.clone().name("spindle-explore"),
            (Some(c), "check") => c.clone().name("spindle-check"),
            (Some(c), "constants") => c.clone().name("spindle-constants"),
            _ => {
                cli_io::error(format_args!("no subcommand `{name}`: one of run, explore, check, constants"));
                return Verdict::Keeps(EXIT_BAD_PROGRAM);
            }
        },
    };
    let mut page = Vec::new();
    match clap_mangen::Man::new(cmd.version(env!("CARGO_PKG_VERSION"))).render(&mut page) {
        Ok(()) => {
            cli_io::out(&String::from_utf8_lossy(&page));
            Verdict::Yields(0)
        }
        Err(e) => {
            cli_io::failed("stdout", e);
            Verdict::Yields(0)
        }
    }
}

/// `spindle run`.
fn run(args: RunArgs, given: &dyn Fn(&str) -> bool, color: bool) -> Verdict {
    let RunArgs { file, flags, fs, trace_file, timeline, save_schedule, against_kernel, consts, quiet, max_input_bytes } = args;
    let bad = |msg: &dyn std::fmt::Display| {
        cli_io::error(msg);
        Verdict::Keeps(EXIT_BAD_PROGRAM)
    };
    // What the flags do is `RunFlags::apply`'s, as for a `// spindle-flags:` header; only
    // `--replay @FILE` is read here (a header gives the string).
    // `--trace-file` turns the trace on (as `--trace`), then the flags shape it.
    let base = if trace_file.is_some() { Config::new().trace_text() } else { Config::new() };
    if flags.trace_summary && timeline.is_some() {
        return bad(&"`--trace-summary` replaces the trace's lines: not with `--timeline`");
    }
    let settings = match flags.apply(base, given) {
        Ok(c) => c,
        Err(e) => return bad(&e),
    };
    let replay = flags.replay.as_deref();
    let mut config = settings.run_config();
    if let Some(r) = replay {
        match explore_cli::replay_policy(r, max_input_bytes, false) {
            Ok(p) => config.policy = p,
            Err(e) => return bad(&e),
        }
    }
    let interrupt = cli_io::interrupt_flag();
    config.interrupt = Some(interrupt.clone());
    let max_trace_bytes = if given("max_trace_bytes") { flags.max_trace_bytes } else { spindle::TraceOptions::default().max_bytes };
    let mut p = match Program::load_limited(&file, &spindle::LoadOptions { consts, ..Default::default() }, max_input_bytes) {
        Ok(p) => p,
        Err(e) => {
            cli_io::diag(&e.render(color));
            return Verdict::Keeps(EXIT_BAD_PROGRAM);
        }
    };
    let fd_limits = settings.fd_limits.unwrap_or_default();
    p.set_fd_limits(fd_limits);
    if let Some(dir) = &fs {
        match spindle::fs_seed::load(dir, fd_limits.max_fd_buffers) {
            Ok(seed) => p.set_fs_seed(seed),
            Err(e) => return bad(&e),
        }
    }
    if let Err(e) = explore_cli::check_replay(&p, &config, replay, max_input_bytes, save_schedule.is_some()) {
        return bad(&e);
    }
    let text = settings.trace.is_some();
    if (text || timeline.is_some()) && !spindle_shims::HOOKS {
        cli_io::error("this spindle was built without the `trace` feature: it has no trace or timeline");
        return Verdict::Keeps(3); // unsupported
    }
    // Every file is created before the run: one that cannot be written stops it at once.
    let create = |path: &str, what: &str| match std::fs::File::create(path) {
        Ok(f) => Ok(f),
        Err(e) => {
            cli_io::failed(&format!("{what} `{path}`"), e);
            Err(Verdict::Yields(cli_io::EXIT_OUTPUT))
        }
    };
    let tracer = if text || timeline.is_some() {
        let out: Option<Box<dyn std::io::Write>> = match (&trace_file, text) {
            (_, false) => None,
            (Some(path), true) => match create(path, "the trace file") {
                Ok(f) => Some(Box::new(std::io::BufWriter::new(Watched::new(f, format!("the trace file `{path}`"))))),
                Err(v) => return v,
            },
            (None, true) => Some(Box::new(Watched::new(std::io::stderr(), "the trace (stderr)"))),
        };
        let opts = settings.trace.clone().unwrap_or_default();
        let mut t =
            spindle::Tracer::new(spindle::TraceConfig { format: opts.format, time: opts.timestamps, timeline: timeline.is_some() }, out);
        opts.shape(&mut t);
        // The timeline alone (no trace) is bounded by `--max-trace-bytes` too.
        t.max_bytes = if settings.trace.is_some() { opts.max_bytes } else { max_trace_bytes };
        Some(t)
    } else {
        None
    };
    let timeline_file = match &timeline {
        Some(path) => match create(path, "the timeline") {
            Ok(f) => Some(Watched::new(f, format!("the timeline `{path}`"))),
            Err(v) => return v,
        },
        None => None,
    };
    let schedule_file = match &save_schedule {
        Some(path) => match create(path, "the schedule file") {
            Ok(f) => Some(Watched::new(f, format!("the schedule file `{path}`"))),
            Err(v) => return v,
        },
        None => None,
    };
    if !quiet {
        cli_io::diag(&p.render_warnings(color));
    }
    let (console, guest) = cli_io::console(interrupt);
    if against_kernel {
        return run_against_kernel(&p, &config, console, tracer, color);
    }
    // The tracer is dropped here: what it still holds is written out (or its failure recorded).
    let stats = p.run_traced(&config, console, tracer).0;
    guest.flush();
    if let (Some(mut f), Some(json)) = (timeline_file, &stats.timeline) {
        let _ = f.write_all(json.as_bytes());
    }
    if let Some(e) = &stats.schedule_error {
        return bad(&format_args!("the replayed schedule does not fit this program: {e}"));
    }
    if let (Some(mut f), Some(sched)) = (schedule_file, &stats.schedule) {
        let _ = writeln!(f, "{sched}");
    }
    let stop = stats.stop;
    if stop.kind == spindle::StopKind::Interrupted && guest.stdout_closed() {
        // Stopped because nobody reads the output: finish() says so.
        return Verdict::Yields(0);
    }
    cli_io::diag(&p.render_stop(&stop, color));
    if stop.is_exit() {
        Verdict::Yields(stop.exit_code())
    } else {
        Verdict::Keeps(stop.exit_code())
    }
}
