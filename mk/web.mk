# The browser half (issue 9): the JS client, the demo page, the local CORS config. Included by the main
# Makefile (`-include mk/*.mk`). Each target installs what it needs with apt-get when it is missing.
#
#   make test-js        node --test clients/js/test/ (a real node:http server replays recorded streams) and
#                       tsc --noEmit of agentstream.d.ts against a typed usage file
#   make test-browser   Debian's headless chromium + chromium-driver, driven by Selenium, against the page
#                       and bootstrap under lambda-local on two origins; screenshots in $(BROWSER_TEST_OUT)/
#   make check-cors     infrastructure/cors.local.json against the Terraform CORS defaults, and the check's
#                       self-test (each kind of drift must be caught)
#   make web-vendor     web/vendor/agentstream.js: lambda-local --web serves only files inside web/ (a symlink
#                       out of it is refused), so the client is copied in; `make run` does this first
WEB_PORT ?= 8080
WEB_DIR := web
CORS_LOCAL := infrastructure/cors.local.json
BROWSER_TEST_OUT ?= Tests/browser/out

.PHONY: test-js test-browser check-cors web-vendor js-tools browser-tools

web/vendor/agentstream.js: clients/js/agentstream.js
	@mkdir -p $(@D)
	cp $< $@

web-vendor: web/vendor/agentstream.js

## js-tools: node (>= 18) and tsc, from Debian when missing.
js-tools:
	@missing=""; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v tsc >/dev/null || missing="$$missing node-typescript"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi; \
	node -e 'const [major] = process.versions.node.split(".").map(Number); if (major < 18) { console.error(`node $${process.version}: the client needs Node >= 18 (fetch, ReadableStream)`); process.exit(1); }'

test-js: js-tools
	node --test clients/js/test/
	tsc -p clients/js/test/types/tsconfig.json
	@echo "tsc: agentstream.d.ts accepts the typed usage file and rejects its misuses"

## browser-tools: Debian's chromium and the chromedriver built for it (versions always match).
browser-tools:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test-browser: venv browser-tools web-vendor
	@test -x $(BIN)/bootstrap -a -x $(BIN)/lambda-local || $(SWIFT) build
	BOOTSTRAP_BIN=$(BIN)/bootstrap LAMBDA_LOCAL_BIN=$(BIN)/lambda-local BROWSER_TEST_OUT=$(CURDIR)/$(BROWSER_TEST_OUT) \
	  CHROMIUM_BIN=$$(command -v chromium) CHROMEDRIVER_BIN=$$(command -v chromedriver) \
	  $(PY) -m pytest -q Tests/browser
	@echo "screenshots: $(BROWSER_TEST_OUT)/*/*.png"

check-cors:
	python3 scripts/web/check_cors_local.py --cors $(CORS_LOCAL)
	python3 scripts/web/check_cors_local.py --self-test
