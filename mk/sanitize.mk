# Sanitizers (issue 10 item 7). Included by the main Makefile (`-include mk/*.mk`).
#
#   make test-sanitize    test-asan and test-tsan
#   make test-asan        the Swift tests and the e2e suite (bootstrap under lambda-local and the Runtime API
#                         stub) against an AddressSanitizer (+LeakSanitizer) build in .build-asan
#   make test-tsan        the same against a ThreadSanitizer build in .build-tsan
#   make test-tsan-swift  the Swift tests alone under ThreadSanitizer (run by `make test`)
#
# Any report fails the target (Tests/sanitize/run.sh collects them from files, since bootstrap runs as a child
# whose stderr tests capture). Suppressions, each justified: Tests/sanitize/lsan.supp, Tests/sanitize/tsan.supp.
.PHONY: test-sanitize test-asan test-tsan test-tsan-swift

test-sanitize: test-asan test-tsan

test-asan: deps venv build
	SWIFT=$(SWIFT) PY=$(PY) Tests/sanitize/run.sh address unit e2e

test-tsan: deps venv build
	SWIFT=$(SWIFT) PY=$(PY) Tests/sanitize/run.sh thread unit e2e

test-tsan-swift: deps
	SWIFT=$(SWIFT) Tests/sanitize/run.sh thread unit
