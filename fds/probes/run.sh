#!/usr/bin/env bash
# Builds and runs every probe. With --check, compares each output with output/<probe>.txt,
# recorded on Linux 6.18.44 (x86-64); without, prints the outputs.
set -euo pipefail
cd "$(dirname "$0")"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
status=0
for src in *.c; do
    name=${src%.c}
    gcc -O1 -Wall -Wno-unused-function -pthread -o "$bin/$name" "$src"
    if [[ ${1:-} == --check ]]; then
        if "$bin/$name" | diff -u "output/$name.txt" -; then
            echo "$name: as recorded"
        else
            status=1
        fi
    else
        echo "== $name"
        "$bin/$name"
    fi
done
exit $status
