#!/usr/bin/env bash
# Self-test of check_glibc.sh and glibc_compat.c with tiny C programs built on this machine:
#   - a program using only old symbols passes;
#   - a program calling hypotf (bound to hypotf@GLIBC_2.35 by glibc >= 2.35) fails, naming the symbol,
#     also when it sits in a zip's lib/ as a shared library;
#   - the same program linked with glibc_compat.o passes and computes the same result;
#   - a program calling arc4random (GLIBC_2.36, referenced by the static libstdc++) fails, and passes
#     with glibc_compat.o, whose arc4random returns kernel randomness.
# Needs a glibc >= 2.35 build host (Debian 12 has 2.36); on older hosts the negative case is skipped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
check="$here/check_glibc.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "test_check_glibc: FAIL: $*" >&2; exit 1; }

cat >good.c <<'C'
#include <stdio.h>
int main(void) { puts("ok"); return 0; }
C
cat >bad.c <<'C'
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
float scale(float a, float b) { return hypotf(a, b); }
int main(int argc, char **argv) { printf("%.9g\n", scale(argc > 1 ? strtof(argv[1], 0) : 3.0f, 4.0f)); return 0; }
C
cat >rand.c <<'C'
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
uint32_t arc4random(void);
int main(void) {
    uint32_t a = arc4random(), b = arc4random(), c = arc4random();
    printf("%u %u %u\n", a, b, c);
    return (a == b && b == c) ? 1 : 0;
}
C
cc -O1 -o good good.c
cc -O1 -fno-builtin -o bad bad.c -lm
cc -O1 -fPIC -shared -fno-builtin -o libbad.so bad.c -lm
cc -O2 -fPIC -c -o compat.o "$here/glibc_compat.c"
cc -O1 -fno-builtin -o fixed bad.c compat.o -lm
cc -O1 -o randfixed rand.c compat.o -lm

"$check" good >/dev/null || fail "good binary rejected"

glibc=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
if [[ "$(printf '%s\n2.35\n' "$glibc" | sort -V | head -1)" != "2.35" ]]; then
  echo "test_check_glibc: host glibc $glibc < 2.35, negative case skipped"
else
  out=$("$check" bad) && fail "hypotf@GLIBC_2.35 binary accepted: $out"
  grep -q 'hypotf@GLIBC_2.35' <<<"$out" || fail "offending symbol not named: $out"
  mkdir -p z/lib && cp good z/bootstrap && cp libbad.so z/lib/ && (cd z && zip -q -r ../bad.zip bootstrap lib)
  out=$("$check" bad.zip) && fail "zip with a too-new lib accepted: $out"
  grep -q 'lib/libbad.so' <<<"$out" || fail "zip member not named: $out"
  "$check" --max 2.36 bad >/dev/null || fail "--max 2.36 should accept GLIBC_2.35"
fi
if [[ "$(printf '%s\n2.36\n' "$glibc" | sort -V | head -1)" == "2.36" ]]; then
  cc -O1 -o randbad rand.c
  out=$("$check" randbad) && fail "arc4random@GLIBC_2.36 binary accepted: $out"
  grep -q 'arc4random@GLIBC_2.36' <<<"$out" || fail "offending symbol not named: $out"
fi
"$check" randfixed >/dev/null || fail "glibc_compat.o did not provide arc4random: $("$check" randfixed)"
./randfixed >/dev/null || fail "compat arc4random returned the same value three times"
"$check" fixed >/dev/null || fail "glibc_compat.o did not pin hypotf below 2.35: $("$check" fixed)"
[[ "$(./fixed 3)" == "$(./bad 3)" && "$(./fixed 5.5)" == "$(./bad 5.5)" ]] || fail "compat hypotf gives different results"
echo "test_check_glibc: ok (host glibc $glibc; negative cases rejected, compat shim accepted)"
