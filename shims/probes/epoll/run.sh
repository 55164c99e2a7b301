#!/usr/bin/env bash
# Builds and runs every epoll probe. With --check, compares each output with output/<probe>.txt
# (recorded on Linux 6.18.44, x86-64); with --record, rewrites those files; otherwise prints.
# The threaded probes pin themselves to one CPU and order their threads with sleeps; they take
# a few seconds.
set -euo pipefail
cd "$(dirname "$0")"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
status=0
for src in *.c; do
    name=${src%.c}
    gcc -O1 -Wall -Wno-unused-function -pthread -o "$bin/$name" "$src"
    case ${1:-} in
    --check)
        if "$bin/$name" | diff -u "output/$name.txt" -; then
            echo "$name: as recorded"
        else
            status=1
        fi
        ;;
    --record)
        "$bin/$name" > "output/$name.txt"
        echo "$name: recorded"
        ;;
    *)
        echo "== $name"
        "$bin/$name"
        ;;
    esac
done
exit $status
