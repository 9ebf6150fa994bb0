# Benchmarks (issues 6, 11, 12). Included by the main Makefile (`-include mk/*.mk`).
#
#   make bench        release build (`make package`: static stdlib, libstdc++ and OpenSSL, minimal static libcurl,
#                     stripped, zipped, TLS-checked) plus a release lambda-local; the full run side by side with
#                     awslambdaric and the raw-socket and libcurl C floors, and the many-streams figures; rewrites
#                     bench/RESULTS.md. Takes about five minutes.
#   make bench-quick  the same harness with few repetitions on the debug binaries in .build/debug, asserting
#                     that every figure is produced, plus the TLS check (< 60 s; run by `make test` so the
#                     harness cannot rot).
#   make bench-only ONLY=cold[,concurrency,...] [BENCH_ARGS='...']
#                     some sections of the full run on the packaged binary; results in bench/out/only/results.json
#                     (RESULTS.md untouched). BENCH_ARGS: e.g. --rounds 100, --compare-gateway NAME=PATH,
#                     --concurrency 1,256, --stream-seconds 20 (bench/bench.py --help).
BENCH_OUT ?= bench/out
BENCH_SCRATCH := $(CURDIR)/.build-bench
ONLY ?= cold
BENCH_ARGS ?=

.PHONY: bench bench-quick bench-only bench-deps bench-lambda-local bench-unpack

## bench-deps: compiler, valgrind (instruction counts), unzip, strip, openssl (TLS check certificates).
bench-deps:
	@missing=""; \
	command -v cc >/dev/null || missing="$$missing gcc"; \
	command -v valgrind >/dev/null || missing="$$missing valgrind"; \
	command -v unzip >/dev/null || missing="$$missing unzip"; \
	command -v strip >/dev/null || missing="$$missing binutils"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

## bench-lambda-local: release lambda-local in its own scratch path (dev tool; never shipped).
bench-lambda-local:
	$(SWIFT) build -c release --product lambda-local --scratch-path $(BENCH_SCRATCH)

bench-unpack: package
	rm -rf $(BENCH_OUT)/pkg && mkdir -p $(BENCH_OUT)/pkg && unzip -q -o dist/agentstream-lambda.zip -d $(BENCH_OUT)/pkg

bench: deps venv bench-deps bench-unpack bench-lambda-local
	$(PY) bench/bench.py --bootstrap $(BENCH_OUT)/pkg/bootstrap \
	  --lambda-local "$$($(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --show-bin-path)/lambda-local" \
	  --zip dist/agentstream-lambda.zip --out $(BENCH_OUT)/full --results bench/RESULTS.md --command "make bench" $(BENCH_ARGS)

bench-only: deps venv bench-deps bench-unpack bench-lambda-local
	$(PY) bench/bench.py --only $(ONLY) --bootstrap $(BENCH_OUT)/pkg/bootstrap \
	  --lambda-local "$$($(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --show-bin-path)/lambda-local" \
	  --zip dist/agentstream-lambda.zip --out $(BENCH_OUT)/only $(BENCH_ARGS)

bench-quick: venv bench-deps
	@test -x $(BIN)/bootstrap -a -x $(BIN)/lambda-local || $(SWIFT) build
	$(PY) bench/bench.py --quick --bootstrap $(BIN)/bootstrap --lambda-local $(BIN)/lambda-local --out $(BENCH_OUT)/quick
	python3 scripts/package/check_tls.py $(BIN)/bootstrap
