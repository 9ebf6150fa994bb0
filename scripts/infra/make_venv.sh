#!/usr/bin/env bash
# Create or refresh a Python venv from a fully pinned requirements file:
#   scripts/infra/make_venv.sh VENV_DIR REQUIREMENTS_FILE
# The venv is rebuilt from scratch whenever the requirements file changes (its sha256 is kept in
# VENV_DIR/.requirements.sha256), packages are installed with --no-deps so nothing unpinned can slip in,
# and `pip check` then fails if the file lacks a dependency. Output goes to stderr.
set -euo pipefail
PIP_VERSION=26.3
venv="${1:?usage: make_venv.sh VENV_DIR REQUIREMENTS_FILE}"
req="${2:?usage: make_venv.sh VENV_DIR REQUIREMENTS_FILE}"
[[ -f "$req" ]] || { echo "make_venv: no such file: $req" >&2; exit 2; }
want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ -x "$venv/bin/python" && -f "$venv/.requirements.sha256" && "$(cat "$venv/.requirements.sha256")" == "$want" ]]; then
  exit 0
fi
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  echo "make_venv: apt-get install python3-venv" >&2
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
echo "make_venv: building $venv from $req" >&2
rm -rf "$venv"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install -q --disable-pip-version-check "pip==$PIP_VERSION" >&2
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps -r "$req" >&2
"$venv/bin/pip" check >&2 || { echo "make_venv: $req is missing a dependency (see pip check above)" >&2; exit 1; }
echo "$want" >"$venv/.requirements.sha256"
