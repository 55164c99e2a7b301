#!/usr/bin/env bash
# Builds and runs the native twin of each programs/signals program and compares it with the output
# recorded on Linux 6.18 x86-64 (<name>.txt) and, if SPINDLE names the spindle binary, with the
# guest program's stdout — the poll twins' script, on this directory:
#   shims/probes/signal_scenarios/run.sh [--record] [NAME…]
#   SPINDLE=target/debug/spindle shims/probes/signal_scenarios/run.sh [NAME…]
TWINS=signal_scenarios PROGRAMS=signals exec "$(dirname "$0")/../poll_scenarios/run.sh" "$@"
