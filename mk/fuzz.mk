# Fuzzing (issue 10 item 6). Included by the main Makefile (`-include mk/*.mk`).
#
#   make fuzz         every target for FUZZ_SECONDS (default 60) each, from the committed seeds and regression
#                     cases in Fuzz/corpus/<target>/ plus what earlier runs found (.build-fuzz/corpus/)
#   make fuzz-quick   every target for FUZZ_QUICK_SECONDS (default 3) each: run by `make test`, so no target
#                     rots and every regression case is replayed
#   make fuzz-build   the libFuzzer binary: release, -sanitize=fuzzer,address, in .build-fuzz (the fuzz targets
#                     exist only when AGENTSTREAM_FUZZ=1, so `swift build` and `swift test` never compile them)
#
# One target at a time: FUZZ_TARGETS=sse make fuzz. Totals per target: .build-fuzz/fuzz-history.tsv.
FUZZ_SECONDS ?= 60
FUZZ_QUICK_SECONDS ?= 3
FUZZ_TARGETS ?= sse json event mastra agentcore upstream-errors jwt jwk head base64 percent sigv4 config

.PHONY: fuzz fuzz-quick fuzz-build

# --sanitize=fuzzer tells SwiftPM to link the executable for libFuzzer's main; the instrumentation itself comes from
# the one -sanitize=fuzzer,address flag, because swiftc keeps only the last -sanitize= it is given (two separate
# flags silently drop the fuzzer's coverage counters).
fuzz-build: deps
	AGENTSTREAM_FUZZ=1 $(SWIFT) build -c release --scratch-path .build-fuzz --product fuzz-agentstream \
	  --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address

fuzz: fuzz-build
	Fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-quick: fuzz-build
	Fuzz/run.sh $(FUZZ_QUICK_SECONDS) $(FUZZ_TARGETS)
