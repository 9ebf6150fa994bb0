# Infrastructure and packaging targets (issue 5). Included by the main Makefile (`-include mk/*.mk`);
# also usable alone: make -f mk/infra.mk test-infra
#
#   make package        release zip for provided.al2023 (CURL=minimal|system), glibc <= 2.34 check
#   make infra-check    terraform fmt -check, validate, terraform test (mock provider), checkov
#   make infra-rehearsal  deploy script end to end against moto on 127.0.0.1 with alarms and dashboard,
#                         BUFFERED and back, then destroy
# Python tools (checkov; awscli + moto) come from the fully pinned scripts/infra/requirements-*.txt.
#   make test-infra     both, plus the glibc-check self-test
SHELL := /bin/bash

CURL ?= minimal
INFRA_DIR := infrastructure
CHECKOV_VENV := .venv-checkov
# checkov and its whole dependency set at exact versions (regenerate as described in the file).
CHECKOV_REQUIREMENTS := scripts/infra/requirements-checkov.txt
# The provider mirror for offline `terraform init` is discovered at run time by
# scripts/infra/find_tf_plugin_dir.sh (set TF_PLUGIN_DIR to choose one; none found = registry).

.PHONY: package package-check-glibc infra-check infra-rehearsal test-infra checkov

## package: dist/agentstream-lambda.zip (bootstrap + lib/), fails on glibc > 2.34 or > 10 MB.
package:
	scripts/package/package_lambda.sh --curl $(CURL)

## package-check-glibc: self-test of the glibc checker (a hypotf@GLIBC_2.35 program must fail).
package-check-glibc:
	@eval "$$(scripts/infra/ensure_tools.sh cc objdump zip unzip)"; scripts/package/test_check_glibc.sh

$(CHECKOV_VENV)/.stamp: $(CHECKOV_REQUIREMENTS) scripts/infra/make_venv.sh
	scripts/infra/make_venv.sh $(CHECKOV_VENV) $(CHECKOV_REQUIREMENTS)
	touch $@

## infra-check: static checks of infrastructure/ on a temp copy (no state or lock file in the repo).
infra-check: $(CHECKOV_VENV)/.stamp
	@set -euo pipefail; \
	eval "$$(scripts/infra/ensure_tools.sh terraform)"; \
	[[ -f "$${TF_CLI_CONFIG_FILE:-$$HOME/.terraformrc}" ]] || export TF_CLI_CONFIG_FILE=/dev/null; \
	TF_PLUGIN_DIR="$$(scripts/infra/find_tf_plugin_dir.sh)"; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp -r $(INFRA_DIR) "$$tmp/infra"; rm -rf "$$tmp/infra/.terraform" "$$tmp/infra/terraform.tfstate.d" "$$tmp/infra/.terraform.lock.hcl"; \
	export TF_DATA_DIR="$$tmp/tf-data" TF_IN_AUTOMATION=1; \
	echo "== terraform fmt -check"; terraform fmt -check -recursive -diff $(INFRA_DIR); \
	echo "== terraform init$${TF_PLUGIN_DIR:+ -plugin-dir=$$TF_PLUGIN_DIR}"; \
	terraform -chdir="$$tmp/infra" init -input=false -backend=false $${TF_PLUGIN_DIR:+-plugin-dir=$$TF_PLUGIN_DIR} >/dev/null; \
	echo "== terraform validate"; terraform -chdir="$$tmp/infra" validate -no-color; \
	echo "== terraform test"; terraform -chdir="$$tmp/infra" test -no-color; \
	echo "== checkov"; \
	$(CHECKOV_VENV)/bin/checkov -d "$$tmp/infra" --framework terraform --skip-download --compact --quiet; \
	$(CHECKOV_VENV)/bin/checkov -d "$$tmp/infra" --framework terraform --skip-download -o json 2>/dev/null \
	  | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; s=d["summary"]; print("checkov: %d passed, %d failed, %d skipped (each skip carries its reason in the .tf file)" % (s["passed"], s["failed"], s["skipped"]))'

checkov: infra-check

## infra-rehearsal: scripts/deploy_api_streaming.sh against moto (deploy, assert, re-deploy, destroy).
infra-rehearsal:
	scripts/infra/rehearse_deploy_moto.sh

## test-infra: everything above that needs no AWS account (called by `make test`).
test-infra: package-check-glibc infra-check infra-rehearsal
