# AgentStream — build, test and run on a fresh Debian machine. Each target installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := build

SWIFT ?= swift
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 9000
BIN := $(CURDIR)/.build/debug

export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: deps build test test-swift test-e2e run clean

## deps: system packages the build links against (libcurl, OpenSSL headers, pkg-config).
deps:
	@missing=""; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	if command -v pkg-config >/dev/null; then \
	  pkg-config --exists libcurl || missing="$$missing libcurl4-openssl-dev"; \
	  pkg-config --exists libcrypto || missing="$$missing libssl-dev"; \
	else missing="$$missing libcurl4-openssl-dev libssl-dev"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

## venv: the Python environment for the end-to-end tests (real agent SDK, botocore, awslambdaric).
$(VENV)/.stamp: Tests/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q pip==26.3
	$(VENV)/bin/pip install -q -r Tests/requirements.txt
	touch $@

venv: $(VENV)/.stamp

## build: debug builds of bootstrap and lambda-local.
build: deps
	$(SWIFT) build

## test: unit tests, end-to-end tests over real sockets, infrastructure checks, a quick bench run.
test: deps venv
	$(SWIFT) build
	$(MAKE) test-swift test-e2e test-infra bench-quick test-js test-browser check-cors fuzz-quick soak-quick test-tsan-swift

test-swift:
	$(SWIFT) test

test-e2e: venv
	BOOTSTRAP_BIN=$(BIN)/bootstrap LAMBDA_LOCAL_BIN=$(BIN)/lambda-local $(PY) -m pytest -q Tests/e2e

## run: the demo page on http://127.0.0.1:$(WEB_PORT)/ and the function with the demo agent on 127.0.0.1:$(PORT),
## two origins as in production (CORS from $(CORS_LOCAL), the Terraform defaults plus local dev origins).
run: build web-vendor
	@echo
	@echo "AgentStream is starting with the local demo agent:"
	@echo
	@echo "  demo page     http://127.0.0.1:$(WEB_PORT)/    <- open this in a browser"
	@echo "  Function URL  http://127.0.0.1:$(PORT)"
	@echo
	@echo "Or, in another terminal:"
	@echo
	@echo "  curl -N -X POST http://127.0.0.1:$(PORT)/ -H 'content-type: application/json' -d '{\"prompt\":\"Flight EY123 delayed 2 hours due to weather\"}'"
	@echo
	$(BIN)/lambda-local --port $(PORT) --demo-agent --cors $(CORS_LOCAL) --web $(WEB_DIR) --web-port $(WEB_PORT) -- $(BIN)/bootstrap

clean:
	rm -rf .build .build-* $(VENV) bench/out

-include mk/*.mk
