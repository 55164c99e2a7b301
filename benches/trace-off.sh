#!/usr/bin/env bash
# "Tracing off costs nothing": the counting-loop (`interp`) and eventfd ping-pong (`pingpong`)
# benchmarks built twice — with the call hooks compiled in and switched off (the default build),
# and compiled out (`--no-default-features`: spindle-shims without its `trace` feature) — run
# alternately ROUNDS times (default 3); prints the best guest rate of each build and their ratio.
# Usage: benches/trace-off.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
benches=(--bench interp --bench pingpong)
# The interp benchmark's counting loop only (it also has fib and a memory loop).
export SPINDLE_BENCH_ONLY=count
compiled_in=(cargo bench -q -p spindle "${benches[@]}")
compiled_out=(env CARGO_TARGET_DIR=target/trace-compiled-out cargo bench -q -p spindle --no-default-features --features harness "${benches[@]}")
"${compiled_in[@]}" --no-run 2>/dev/null
"${compiled_out[@]}" --no-run 2>/dev/null
log=$(mktemp)
for r in $(seq "$rounds"); do
  "${compiled_in[@]}" 2>/dev/null | sed 's/^/in  /' >>"$log"
  "${compiled_out[@]}" 2>/dev/null | sed 's/^/out /' >>"$log"
done
best() { grep "^$1 .*$2" "$log" | awk -v f="$3" '{ if ($f > m) m = $f } END { print m }'; }
loop_in=$(best in "spindle:" 3); loop_out=$(best out "spindle:" 3)
pp_in=$(best in "guest, trace off" 6); pp_out=$(best out "guest, trace off" 6)
echo "best of $rounds alternating runs of each build"
printf "counting loop   : compiled in, off %8.1f M it/s   compiled out %8.1f M it/s   in/out %.3f\n" "$loop_in" "$loop_out" "$(awk -v a="$loop_in" -v b="$loop_out" "BEGIN { print a / b }")"
printf "eventfd pingpong: compiled in, off %8.0f trips/s  compiled out %8.0f trips/s  in/out %.3f\n" "$pp_in" "$pp_out" "$(awk -v a="$pp_in" -v b="$pp_out" "BEGIN { print a / b }")"
rm -f "$log"
