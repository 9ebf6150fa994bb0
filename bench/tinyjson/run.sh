#!/usr/bin/env bash
# Builds TinyJSON as its own release module (the flags SwiftPM uses for `-c release`), links the corpus
# benchmark against it and prints instructions per event for the parser and the scanner, counted by
# callgrind (deterministic, unlike wall time on a shared machine) with start-up cost subtracted.
#   bench/tinyjson/run.sh [OUT_DIR] [SCANNER_SWIFT_FILE]
# SCANNER_SWIFT_FILE defines `relayable(_:)` (default: relay.swift, the relay's decision on TinyJSON's
# scanner); pass another to measure a different implementation of the same decision.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/.build-bench/tinyjson}"
shift || true
relay="${1:-$here/relay.swift}"
rounds="${ROUNDS:-20}"
mkdir -p "$out"
swiftc -module-name TinyJSON -parse-as-library -whole-module-optimization -O -swift-version 6 \
    -enable-upcoming-feature ExistentialAny -emit-module -emit-module-path "$out/TinyJSON.swiftmodule" \
    -c "$root"/Sources/TinyJSON/*.swift -o "$out/TinyJSON.o"
swiftc -O -swift-version 6 -I "$out" "$here/main.swift" "$relay" "$out/TinyJSON.o" -lm -o "$out/tinyjson-bench"

instructions() {  # mode rounds -> total Ir of the run
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$out/tinyjson-bench" "$1" "$2" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
allocations() {  # mode rounds -> heap allocations of the run
    valgrind --tool=memcheck "$out/tinyjson-bench" "$1" "$2" 2>&1 | sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' | tr -d ,
}
status=0
for mode in parse scan; do
    base=$(instructions "$mode" 0)
    total=$(instructions "$mode" "$rounds")
    line=$("$out/tinyjson-bench" "$mode" 1)
    events=$(sed -n 's/.*events=\([0-9]*\).*/\1/p' <<<"$line")
    allocs=$(( $(allocations "$mode" 2) - $(allocations "$mode" 0) ))
    printf '%s: %d instructions/event, %s heap allocations/event  (%s)\n' "$mode" \
        $(( (total - base) / (rounds * events) )) "$(awk "BEGIN { printf \"%.2f\", $allocs / (2 * $events) }")" "$line"
    # The relay's fast path must not allocate, ASCII or not (the corpus has both).
    if [ "$mode" = scan ] && [ "$allocs" -ne 0 ]; then echo "FAIL: the scanner allocated $allocs times" >&2; status=1; fi
done
exit $status
