#!/usr/bin/env bash
# Runs the Swift tests and/or the e2e suite against a sanitizer build, then fails on any sanitizer report.
#
#   Tests/sanitize/run.sh address|thread unit [e2e]
#
# The build goes to its own scratch path (.build-asan, .build-tsan). Reports are written to files (log_path) in
# <scratch>/reports/ rather than stderr: bootstrap runs as a child of the e2e tests and of lambda-local, where
# stderr is captured or discarded, and a TSan race does not change any exit status. The e2e suite runs the
# sanitized bootstrap under the plain lambda-local (LAMBDA_LOCAL_BIN; a SwiftNIO dev tool, not shipped).
set -uo pipefail
cd "$(dirname "$0")/../.."
sanitizer=$1
shift
case $sanitizer in
    address) scratch=.build-asan ;;
    thread) scratch=.build-tsan ;;
    *) echo "usage: $0 address|thread unit [e2e]" >&2; exit 2 ;;
esac
swift=${SWIFT:-swift}
py=${PY:-.venv/bin/python}
reports=$PWD/$scratch/reports
$swift build --build-tests --scratch-path "$scratch" --sanitize="$sanitizer" || exit 1
rm -rf "$reports"
mkdir -p "$reports"

# Swift's own crash handler would run inside the sanitizer's report; the sanitizer's report is the one wanted.
export SWIFT_BACKTRACE=enable=no
# Lets tests skip what a sanitizer makes meaningless (RSS under ASan's quarantine), nothing else.
export AGENTSTREAM_SANITIZER=$sanitizer
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1"
export LSAN_OPTIONS="suppressions=$PWD/Tests/sanitize/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="log_path=$reports/tsan:suppressions=$PWD/Tests/sanitize/tsan.supp:print_suppressions=0"

status=0
for part in "$@"; do
    case $part in
        unit)
            echo "== swift test under $sanitizer sanitizer"
            log=$PWD/$scratch/swift-test.log
            if $swift test --skip-build --scratch-path "$scratch" --sanitize="$sanitizer" >"$log" 2>&1; then
                tail -1 "$log"
            else
                grep -E "✘|error:|Fatal|failed" "$log" | head -40
                echo "swift test failed under $sanitizer sanitizer (whole output: $log)" >&2
                status=1
            fi
            ;;
        e2e)
            echo "== e2e suite with bootstrap under $sanitizer sanitizer"
            BOOTSTRAP_BIN=$PWD/$scratch/debug/bootstrap LAMBDA_LOCAL_BIN=$PWD/.build/debug/lambda-local \
                "$py" -m pytest -q Tests/e2e || status=1
            ;;
        *) echo "unknown part $part" >&2; exit 2 ;;
    esac
done

found=$(grep -l -E "ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer" "$reports"/* 2>/dev/null)
if [ -n "$found" ]; then
    for f in $found; do
        echo "---- $f"
        head -60 "$f"
    done
    echo "$sanitizer sanitizer reports: $(echo "$found" | wc -l) (all in $reports)" >&2
    status=1
else
    echo "$sanitizer sanitizer: no reports"
fi
exit $status
