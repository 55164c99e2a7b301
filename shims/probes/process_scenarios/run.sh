#!/usr/bin/env bash
# Builds and runs the native twin of each programs/processes program and compares it with its
# recording <name>.txt (and, with SPINDLE=path/to/spindle, the guest's stdout with it): the same
# script as fd_scenarios/run.sh, on this directory.
#   shims/probes/process_scenarios/run.sh [--record] [NAME…]
here=$(cd "$(dirname "$0")" && pwd)
TWIN_DIR=$here PROGRAMS=../../../programs/processes exec "$here/../fd_scenarios/run.sh" "$@"
