#!/usr/bin/env bash
# Builds and runs the native twin of each programs/poll program and compares it with its
# recording <name>.txt on Linux 6.18.44 x86-64 (and, with SPINDLE=path/to/spindle, the guest's
# stdout with it): the same script as fd_scenarios/run.sh, on this directory.
#   shims/probes/poll_scenarios/run.sh [--record] [NAME…]
#   SPINDLE=/tmp/target-fdsc/debug/spindle shims/probes/poll_scenarios/run.sh [NAME…]
# Lines starting with "# " are native-only notes; they are not compared with Spindle's output.
here=$(cd "$(dirname "$0")" && pwd)
TWIN_DIR=$here PROGRAMS=../../../programs/poll exec "$here/../fd_scenarios/run.sh" "$@"
