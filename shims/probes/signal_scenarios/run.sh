#!/usr/bin/env bash
# Builds and runs the native twin of each programs/signals program and compares it with the output
# recorded on Linux 6.18 x86-64 (<name>.txt) and, if SPINDLE names the spindle binary, with the
# guest program's stdout — fd_scenarios/run.sh, on this directory:
#   shims/probes/signal_scenarios/run.sh [--record] [NAME…]
#   SPINDLE=target/debug/spindle shims/probes/signal_scenarios/run.sh [NAME…]
here=$(cd "$(dirname "$0")" && pwd)
TWIN_DIR=$here PROGRAMS=../../../programs/signals exec "$here/../fd_scenarios/run.sh" "$@"
