#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 600) and records executions and crashes in
# fuzz/logs/. Usage: fuzz/run.sh [SECONDS] [TARGET...]
# Built without a sanitizer (the code under test is safe Rust; overflow checks and debug
# assertions are on, see Cargo.toml), and without compare tracing for the generator targets,
# whose bytes are choices rather than tokens.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frontend programs shims)
mkdir -p fuzz/corpus/frontend fuzz/logs
# The front end's corpus starts from every program in the repository.
find programs -name '*.mir' -exec cp {} fuzz/corpus/frontend/ \;
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  flags=(--sanitizer none)
  [ "$t" = frontend ] || flags+=(--no-trace-compares)
  cargo +nightly fuzz build "${flags[@]}" "$t"
  start=$(date +%s)
  cargo +nightly fuzz run "${flags[@]}" "$t" "fuzz/corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=4096 \
    -timeout=10 -print_final_stats=1 > "fuzz/logs/$t.log" 2>&1 || echo "$t: stopped on a crash or timeout (fuzz/logs/$t.log, fuzz/artifacts/$t/)"
  echo "$t: $(( $(date +%s) - start )) s"
  grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "fuzz/logs/$t.log" || true
done
