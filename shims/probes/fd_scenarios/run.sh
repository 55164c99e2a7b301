#!/usr/bin/env bash
# Builds and runs the native version of each programs/fds scenario, compares it with the output
# recorded on Linux 6.18.44 x86-64 (<name>.txt), and — if SPINDLE names the spindle binary —
# compares the guest program's stdout with that recording.
#   shims/probes/fd_scenarios/run.sh [NAME…]              # diff native runs against <name>.txt
#   shims/probes/fd_scenarios/run.sh --record [NAME…]     # (re)write <name>.txt
#   SPINDLE=/tmp/target-fdsc/debug/spindle shims/probes/fd_scenarios/run.sh [NAME…]
# Lines starting with "# " are native-only notes (e.g. "still blocked after 200 ms" where
# Spindle reports a deadlock); they are not compared with Spindle's output.
set -uo pipefail
# TWIN_DIR and PROGRAMS let another twin directory use this script (file_scenarios/run.sh,
# poll_scenarios/run.sh, signal_scenarios/run.sh).
cd "${TWIN_DIR:-$(dirname "$0")}"
programs=${PROGRAMS:-../../../programs/fds}
record=0
if [[ ${1:-} == --record ]]; then record=1; shift; fi
names=("$@")
if [[ ${#names[@]} == 0 ]]; then for src in *.c; do names+=("${src%.c}"); done; fi
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
status=0
for name in "${names[@]}"; do
    gcc -O1 -Wall -Wno-unused-function -Wno-nonnull -Wno-stringop-overflow -pthread -o "$bin/$name" "$name.c" || { status=1; continue; }
    out=$("$bin/$name" < /dev/null)
    if [[ $record == 1 ]]; then
        printf '%s\n' "$out" > "$name.txt"
    elif ! diff -u "$name.txt" <(printf '%s\n' "$out") > /dev/null; then
        echo "$name: native output differs from $name.txt"
        diff -u "$name.txt" <(printf '%s\n' "$out")
        status=1
    fi
    if [[ -n ${SPINDLE:-} ]]; then
        mir=$programs/$name.mir
        flags=$(sed -n 's|^// spindle-flags:||p' "$mir" | head -1)
        # shellcheck disable=SC2086
        if diff -u <(grep -v '^# ' "$name.txt") <("$SPINDLE" run $flags "$mir" 2>/dev/null < /dev/null) > /dev/null; then
            echo "$name: spindle = Linux"
        else
            echo "$name: spindle differs from Linux"
            # shellcheck disable=SC2086
            diff -u <(grep -v '^# ' "$name.txt") <("$SPINDLE" run $flags "$mir" 2>/dev/null < /dev/null)
            status=1
        fi
    fi
done
exit $status
