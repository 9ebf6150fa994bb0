#!/usr/bin/env bash
# Fail when an ELF file needs a glibc symbol version newer than the target's (Amazon Linux 2023:
# glibc 2.34). Such a binary or library does not load there ("version `GLIBC_2.35' not found").
#
#   check_glibc.sh [--max 2.34] PATH...     PATH: ELF file, folder (searched), or .zip (unpacked)
#
# Prints, per file, the newest GLIBC version it needs; on failure every offending symbol.
# Exit 0 = all good, 1 = too-new symbols found, 2 = usage error / nothing to check.
set -euo pipefail

max=2.34
paths=()
while (($#)); do
  case "$1" in
    --max) max="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) paths+=("$1"); shift ;;
  esac
done
((${#paths[@]})) || { echo "usage: $0 [--max 2.34] PATH..." >&2; exit 2; }
command -v objdump >/dev/null || { echo "check_glibc: objdump missing (apt-get install binutils)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Collect candidate files.
files=()
for p in "${paths[@]}"; do
  if [[ -d "$p" ]]; then
    while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$p" -type f -print0 | sort -z)
  elif [[ "$p" == *.zip ]]; then
    d="$tmp/$(basename "$p").d"
    mkdir -p "$d"
    unzip -q -o "$p" -d "$d"
    while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$d" -type f -print0 | sort -z)
  elif [[ -f "$p" ]]; then
    files+=("$p")
  else
    echo "check_glibc: no such file: $p" >&2; exit 2
  fi
done

is_elf() { [[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" == '177ELF' ]]; }
newer() { # newer A B: true when version A > version B
  [[ "$1" != "$2" && "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -1)" == "$1" ]]
}

checked=0
bad=0
for f in "${files[@]}"; do
  is_elf "$f" || continue
  checked=$((checked + 1))
  name="${f#"$tmp"/}"
  # Undefined dynamic symbols with their version: "... *UND* ... (GLIBC_2.35) hypotf" or " GLIBC_2.2.5 puts".
  syms=$(objdump -T "$f" 2>/dev/null | awk '/\*UND\*/ { for (i = 1; i <= NF; i++) if ($i ~ /GLIBC_[0-9]/) { v = $i; gsub(/[()]/, "", v); print v, $NF } }' | sort -u)
  # The version-needs table is what the loader enforces; include it so nothing slips through.
  needs=$(readelf -V --wide "$f" 2>/dev/null | grep -o 'Name: GLIBC_[0-9.]*' | sed 's/Name: //' | sort -u || true)
  newest=$( { awk '{print $1}' <<<"$syms"; echo "$needs"; } | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
  offenders=()
  while read -r ver sym; do
    [[ -n "${ver:-}" ]] || continue
    newer "${ver#GLIBC_}" "$max" && offenders+=("$sym@$ver")
  done <<<"$syms"
  for v in $needs; do
    if newer "${v#GLIBC_}" "$max" && ! printf '%s\n' "${offenders[@]:-}" | grep -q "@$v\$"; then
      offenders+=("(version need)@$v")
    fi
  done
  if ((${#offenders[@]})); then
    bad=$((bad + 1))
    echo "FAIL $name: needs GLIBC_${newest:-?} > $max:"
    printf '       %s\n' "${offenders[@]}"
  else
    echo "ok   $name: newest GLIBC_${newest:-none} <= $max"
  fi
done

if ((checked == 0)); then echo "check_glibc: no ELF files found in ${paths[*]}" >&2; exit 2; fi
if ((bad)); then
  echo "check_glibc: $bad of $checked ELF file(s) need glibc newer than $max (Amazon Linux 2023 has 2.34)."
  exit 1
fi
echo "check_glibc: all $checked ELF file(s) need glibc <= $max"
