# Soak (issue 10 item 8). Included by the main Makefile (`-include mk/*.mk`); not part of `make test`.
#
#   make soak    SOAK_SECONDS (default 600) of mixed traffic from SOAK_CLIENTS (default 4) clients through
#                lambda-local and the debug bootstrap against the Python fakes (Tests/soak/soak.py): normal
#                streams, upstream resets and stalls, oversized and malformed events, client disconnects, JWKS
#                outages, bad requests. Prints requests per outcome, streams without exactly one closing frame,
#                bootstrap restarts and RSS; exits 1 when any of those is wrong.
#   make soak-quick  the same for SOAK_QUICK_SECONDS (default 15): run by `make test`, so the soak cannot rot
#                (it once did, silently, when the e2e HTTP client it imports was renamed).
SOAK_SECONDS ?= 600
SOAK_QUICK_SECONDS ?= 15
SOAK_CLIENTS ?= 4

.PHONY: soak soak-quick

soak: build venv
	BOOTSTRAP_BIN=$(BIN)/bootstrap LAMBDA_LOCAL_BIN=$(BIN)/lambda-local SOAK_SECONDS=$(SOAK_SECONDS) SOAK_CLIENTS=$(SOAK_CLIENTS) \
	  $(PY) Tests/soak/soak.py

soak-quick:
	@mkdir -p .build
	$(MAKE) --no-print-directory soak SOAK_SECONDS=$(SOAK_QUICK_SECONDS) > .build/soak-quick.log 2>&1 || { tail -n 60 .build/soak-quick.log; exit 1; }
	@grep -v '^{"\|^lambda-local: \|^\[runtime\]' .build/soak-quick.log | tail -n 12
