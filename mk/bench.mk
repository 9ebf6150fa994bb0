# Benchmarks (issue 6, DESIGN.md §7). Included by the main Makefile (`-include mk/*.mk`).
#
#   make bench        release build (`make package`: static stdlib, minimal static libcurl, stripped, zipped)
#                     plus a release lambda-local; the full run side by side with awslambdaric and the C floor;
#                     rewrites bench/RESULTS.md. Takes a few minutes.
#   make bench-quick  the same harness with few repetitions on the debug binaries in .build/debug, asserting
#                     that every figure is produced (< 60 s; run by `make test` so the harness cannot rot).
BENCH_OUT ?= bench/out
BENCH_SCRATCH := $(CURDIR)/.build-bench

.PHONY: bench bench-quick bench-deps bench-lambda-local

## bench-deps: compiler, valgrind (instruction counts), unzip, strip.
bench-deps:
	@missing=""; \
	command -v cc >/dev/null || missing="$$missing gcc"; \
	command -v valgrind >/dev/null || missing="$$missing valgrind"; \
	command -v unzip >/dev/null || missing="$$missing unzip"; \
	command -v strip >/dev/null || missing="$$missing binutils"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

## bench-lambda-local: release lambda-local in its own scratch path (dev tool; never shipped).
bench-lambda-local:
	$(SWIFT) build -c release --product lambda-local --scratch-path $(BENCH_SCRATCH)

bench: deps venv bench-deps package bench-lambda-local
	rm -rf $(BENCH_OUT)/pkg && mkdir -p $(BENCH_OUT)/pkg && unzip -q -o dist/agentstream-lambda.zip -d $(BENCH_OUT)/pkg
	$(PY) bench/bench.py --bootstrap $(BENCH_OUT)/pkg/bootstrap \
	  --lambda-local "$$($(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --show-bin-path)/lambda-local" \
	  --zip dist/agentstream-lambda.zip --out $(BENCH_OUT)/full --results bench/RESULTS.md --command "make bench"

bench-quick: venv bench-deps
	@test -x $(BIN)/bootstrap -a -x $(BIN)/lambda-local || $(SWIFT) build
	$(PY) bench/bench.py --quick --bootstrap $(BIN)/bootstrap --lambda-local $(BIN)/lambda-local --out $(BENCH_OUT)/quick
