#!/usr/bin/env bash
# Make sure the infrastructure checks' tools exist on a fresh Debian machine; print `export` lines
# for the ones installed into private folders (eval "$(scripts/infra/ensure_tools.sh ...)").
#   tools: terraform aws moto_server zip unzip objdump cc curl python3-venv
# aws CLI and moto always come from .venv-infra, built from the pinned scripts/infra/requirements-infra.txt
# (never whatever version happens to be on PATH); terraform into .build-tools/bin (releases.hashicorp.com)
# when none is installed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TERRAFORM_VERSION="${TERRAFORM_VERSION:-1.11.4}"
apt_pkgs=()
extra_path=()
want_infra_venv=0
SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo

for tool in "$@"; do
  case "$tool" in
    zip|unzip|curl) command -v "$tool" >/dev/null || apt_pkgs+=("$tool") ;;
    objdump) command -v objdump >/dev/null || apt_pkgs+=(binutils) ;;
    cc) command -v cc >/dev/null || apt_pkgs+=(gcc libc6-dev) ;;
    python3-venv) python3 -c 'import ensurepip, venv' 2>/dev/null || apt_pkgs+=(python3-venv) ;;
    aws|moto_server) want_infra_venv=1 ;;
    terraform) ;;
    *) echo "ensure_tools: unknown tool $tool" >&2; exit 2 ;;
  esac
done
if ((${#apt_pkgs[@]})); then
  echo "ensure_tools: apt-get install ${apt_pkgs[*]}" >&2
  $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
fi
if ((want_infra_venv)); then
  "$ROOT/scripts/infra/make_venv.sh" "$ROOT/.venv-infra" "$ROOT/scripts/infra/requirements-infra.txt"
  extra_path+=("$ROOT/.venv-infra/bin")
fi

if [[ " $* " == *" terraform "* ]] && ! command -v terraform >/dev/null && [[ ! -x "$ROOT/.build-tools/bin/terraform" ]]; then
  arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
  url="https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_linux_${arch}.zip"
  echo "ensure_tools: terraform not found; downloading $url" >&2
  mkdir -p "$ROOT/.build-tools/bin"
  if ! curl -fsSL --max-time 120 -o "$ROOT/.build-tools/terraform.zip" "$url"; then
    echo "ensure_tools: cannot download Terraform. Install Terraform >= 1.7 (https://developer.hashicorp.com/terraform/install) and re-run." >&2
    exit 1
  fi
  unzip -q -o "$ROOT/.build-tools/terraform.zip" terraform -d "$ROOT/.build-tools/bin"
fi
[[ -x "$ROOT/.build-tools/bin/terraform" ]] && extra_path+=("$ROOT/.build-tools/bin")
if ((${#extra_path[@]})); then
  printf 'export PATH=%q:$PATH\n' "$(IFS=:; echo "${extra_path[*]}")"
fi
