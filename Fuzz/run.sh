#!/usr/bin/env bash
# Runs fuzz targets one after another for SECONDS each, then prints what each did.
#
#   Fuzz/run.sh SECONDS TARGET...
#
# Each target starts from its committed seeds and regression cases (Fuzz/corpus/<target>/, never written to)
# plus the inputs earlier runs found (.build-fuzz/corpus/<target>/, where libFuzzer writes new ones). A crash
# or broken invariant stops that target; its input is saved under .build-fuzz/artifacts/ and the script exits 1
# after the summary. Every run appends a line to .build-fuzz/fuzz-history.tsv (date, target, seconds,
# executions, result), which is where total fuzzing time per target is read from.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=$1
shift
bin=${FUZZ_BIN:-.build-fuzz/release/fuzz-agentstream}
work=.build-fuzz
mkdir -p "$work/artifacts" "$work/logs"
history=$work/fuzz-history.tsv
[ -f "$history" ] || printf 'date\ttarget\tseconds\texecutions\tcorpus\tresult\n' >"$history"

# Swift's crash handler would read the crashing process's memory under ASan and abort with its own report;
# libFuzzer's report (stack, input) is the one wanted.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}

failed=()
summary=()
for target in "$@"; do
    seeds=Fuzz/corpus/$target
    found=$work/corpus/$target
    mkdir -p "$found"
    [ -d "$seeds" ] || { echo "no seed corpus $seeds" >&2; exit 2; }
    log=$work/logs/$target.log
    # Inputs stay small enough for many executions per second; a token may reach past JWTToken's 16 KB cap.
    max_len=4096
    [ "$target" = jwt ] && max_len=20000
    # -timeout: an input that takes over 10 s is a hang, reported like a crash; -rss_limit_mb: an input that
    # makes the parser hold 2 GB is a memory bug, reported too.
    AGENTSTREAM_FUZZ_TARGET=$target "$bin" "$found" "$seeds" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=$max_len -use_value_profile=1 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/$target-" >"$log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    corpus=$(ls "$found" | wc -l)
    if [ $status -eq 0 ]; then
        result=ok
    else
        result="FAILED (status $status, see $log)"
        failed+=("$target")
        grep -a -m3 -E "invariant violated|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|Fatal error|Test unit written" "$log" | sed 's/^/    /'
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$target" "${took:-?}" "${execs:-?}" "$corpus" "$result" >>"$history"
    summary+=("$(printf '%-16s %6ss %12s execs %6s corpus  %s' "$target" "${took:-?}" "${execs:-?}" "$corpus" "$result")")
done
echo
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]}" >&2
    exit 1
fi
