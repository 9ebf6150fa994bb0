#!/usr/bin/env bash
# Build the Lambda deployment zip for the provided.al2023 runtime.
#
#   scripts/package/package_lambda.sh [--curl minimal|system] [--openssl static|dynamic]
#                                     [--libstdcxx static|dynamic] [--out dist/agentstream-lambda.zip]
#
#   --curl minimal    (default) link the static HTTP(S)-only libcurl from scripts/build_curl_minimal.sh.
#   --openssl static  (default with minimal) link Debian's libssl.a/libcrypto.a: the binary then needs only
#                     glibc, libstdc++, libgcc_s and libm, and starts ~1 ms sooner (bench/OPTIMISATIONS.md).
#                     The package owns its OpenSSL: rebuild on every OpenSSL advisory (bench/METHOD.md);
#                     the version compiled in is checked against libssl-dev and written next to the zip.
#   --openssl dynamic link libssl.so.3/libcrypto.so.3 (Amazon Linux 2023 ships and patches them).
#   --curl system     link Debian's dynamic libcurl4 and bundle every library Amazon Linux 2023 lacks
#                     into lib/ (Lambda puts $LAMBDA_TASK_ROOT/lib on LD_LIBRARY_PATH); OpenSSL dynamic.
#   --libstdcxx static (default) link GCC's libstdc++.a (the Swift runtime's C++ dependency): one shared
#                     library fewer to load and relocate at every start (-0.6 ms); libgcc_s stays shared.
#
# Always: no $ORIGIN run path (--disable-local-rpath: the loader would first search the zip's folder for
# every library), -Osize and identical-code folding (binary size).
#
# Steps: release build of the SwiftPM product `bootstrap` with the static Swift stdlib (own scratch
# path per flavour, so dev builds are untouched), strip, bundle, zip, then fail if anything in the
# zip needs glibc > 2.34 (check_glibc.sh), the stripped binary exceeds MAX_BINARY_MB (default 12) or
# the zip MAX_ZIP_MB (default 5; 10 with --curl system), or the binary cannot relay over TLS with a CA bundle from
# SSL_CERT_FILE and refuse an unknown CA (check_tls.py, against a local HTTPS upstream).
# Env: SWIFT (default swift), CURL, OPENSSL, LIBSTDCXX, MAX_ZIP_MB, MAX_BINARY_MB, GLIBC_MAX (default 2.34).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/scripts/package"
cd "$ROOT"

curl_flavour="${CURL:-minimal}"
openssl_link="${OPENSSL:-}"
libstdcxx="${LIBSTDCXX:-static}"
out="$ROOT/dist/agentstream-lambda.zip"
while (($#)); do
  case "$1" in
    --curl) curl_flavour="$2"; shift 2 ;;
    --openssl) openssl_link="$2"; shift 2 ;;
    --libstdcxx) libstdcxx="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "package_lambda: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$curl_flavour" in minimal|system) ;; *) echo "package_lambda: --curl must be minimal or system" >&2; exit 2 ;; esac
if [[ "$curl_flavour" == system ]]; then
  [[ "${openssl_link:-dynamic}" == dynamic ]] || { echo "package_lambda: --curl system links OpenSSL dynamically (Debian's libcurl4 does)" >&2; exit 2; }
  openssl_link=dynamic
fi
openssl_link="${openssl_link:-static}"
case "$openssl_link" in static|dynamic) ;; *) echo "package_lambda: --openssl must be static or dynamic" >&2; exit 2 ;; esac
case "$libstdcxx" in static|dynamic) ;; *) echo "package_lambda: --libstdcxx must be static or dynamic" >&2; exit 2 ;; esac
[[ "$out" = /* ]] || out="$ROOT/$out"
# The 5 MB budget is for the default package; the system-curl fallback carries ~26 bundled libraries.
if [[ "$curl_flavour" == system ]]; then MAX_ZIP_MB="${MAX_ZIP_MB:-10}"; else MAX_ZIP_MB="${MAX_ZIP_MB:-5}"; fi
MAX_BINARY_MB="${MAX_BINARY_MB:-12}"
GLIBC_MAX="${GLIBC_MAX:-2.34}"
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
SWIFT="${SWIFT:-swift}"
log() { echo "package: $*" >&2; }

# --- tools -------------------------------------------------------------------------------------
need=()
command -v zip >/dev/null || need+=(zip)
command -v unzip >/dev/null || need+=(unzip)
command -v objdump >/dev/null || need+=(binutils)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v cc >/dev/null || need+=(gcc)
command -v python3 >/dev/null || need+=(python3)
command -v openssl >/dev/null || need+=(openssl)
if ((${#need[@]})); then
  command -v apt-get >/dev/null || { log "missing tools: ${need[*]}"; exit 1; }
  log "installing ${need[*]}"
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v "$SWIFT" >/dev/null || { log "swift not found (expected /opt/swift/usr/bin or PATH)"; exit 1; }

case "$(uname -m)" in
  x86_64) lambda_arch=x86_64 ;;
  aarch64|arm64) lambda_arch=arm64 ;;
  *) log "unsupported build architecture $(uname -m)"; exit 1 ;;
esac

# --- build -------------------------------------------------------------------------------------
scratch="$ROOT/.build-release-$curl_flavour"
[[ "$curl_flavour" == minimal && "$openssl_link" == dynamic ]] && scratch="$scratch-openssl-dynamic"
mkdir -p "$scratch"
link_flags=(-Xlinker --icf=safe -Xlinker "$scratch/glibc_compat.o" -Xlinker "--version-script=$HERE/exports.map")
if [[ "$libstdcxx" == static ]]; then
  # A folder holding only libstdc++.a, searched first: the Swift runtime's -lstdc++ then links the archive.
  cxx_archive="$(cc -print-file-name=libstdc++.a)"
  [[ "$cxx_archive" == /* && -f "$cxx_archive" ]] || { log "libstdc++.a not found (apt-get install libstdc++-$(cc -dumpversion)-dev)"; exit 1; }
  mkdir -p "$scratch/static-libstdcxx"
  ln -sfn "$cxx_archive" "$scratch/static-libstdcxx/libstdc++.a"
  link_flags+=(-Xlinker -L"$scratch/static-libstdcxx")
else
  rm -rf "$scratch/static-libstdcxx"
fi
ssl_pkg="$(dpkg-query -W -f='${Version}' libssl-dev 2>/dev/null || echo unknown)"
if [[ "$curl_flavour" == minimal ]]; then
  "$ROOT/scripts/build_curl_minimal.sh" "$ROOT/.build-curl/prefix" >&2
  export PKG_CONFIG_PATH="$ROOT/.build-curl/prefix/openssl-$openssl_link/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
fi
# SwiftPM does not see a changed libssl.a/libcrypto.a (they come in through -l): after a libssl-dev
# update (an OpenSSL advisory) remove the linked binary so this build links the new archives.
if [[ "$openssl_link" == static && "$(cat "$scratch/openssl-package" 2>/dev/null)" != "$ssl_pkg" ]]; then
  rm -f "$scratch"/*/release/bootstrap "$scratch"/release/bootstrap
fi
cc -O2 -fPIC -c -o "$scratch/glibc_compat.o" "$HERE/glibc_compat.c"
t0=$(date +%s)
log "swift build -c release --static-swift-stdlib --product bootstrap (curl: $curl_flavour, OpenSSL: $openssl_link, libstdc++: $libstdcxx, arch: $lambda_arch)"
# -Osize and identical-code folding keep the stripped binary small (bench/OPTIMISATIONS.md): relay
# speed stays well above its target, while every megabyte is paid for in cold-start page faults.
if ! "$SWIFT" build -c release --static-swift-stdlib --disable-local-rpath --product bootstrap --scratch-path "$scratch" \
  -Xswiftc -Osize "${link_flags[@]}" >"$scratch/build.log" 2>&1; then
  grep -v '^    /' "$scratch/build.log" | tail -60 >&2
  log "swift build failed (full log: $scratch/build.log)"
  exit 1
fi
bin="$("$SWIFT" build -c release --static-swift-stdlib --disable-local-rpath --scratch-path "$scratch" --show-bin-path)/bootstrap"
log "built in $(($(date +%s) - t0)) s: $bin"
echo "$ssl_pkg" >"$scratch/openssl-package"

# The OpenSSL inside must be the one libssl-dev ships now (the advisory policy depends on it).
openssl_note="dynamic (libssl.so.3/libcrypto.so.3 of the host: Amazon Linux 2023 patches them)"
if [[ "$openssl_link" == static ]]; then
  want="$(pkg-config --modversion libssl)"
  have="$(grep -aoE 'OpenSSL [0-9]+\.[0-9]+\.[0-9]+[a-z]*  ?[0-9]+ [A-Z][a-z]{2} [0-9]{4}' "$bin" | head -1 || true)"
  [[ "$have" == "OpenSSL $want "* ]] || { log "ERROR: the binary carries '${have:-no OpenSSL version}', libssl-dev has $want"; exit 1; }
  openssl_note="static: $have (Debian libssl-dev $ssl_pkg)"
fi

# --- stage: bootstrap + lib/ -------------------------------------------------------------------
stage="$scratch/lambda-stage"
rm -rf "$stage"
mkdir -p "$stage/lib"
strip --strip-all -o "$stage/bootstrap" "$bin"
chmod 0755 "$stage/bootstrap"

if [[ "$curl_flavour" == minimal ]] && ldd "$stage/bootstrap" | grep -q 'libcurl\.so'; then
  log "ERROR: the minimal build still links a shared libcurl:"; ldd "$stage/bootstrap" >&2; exit 1
fi
if [[ "$openssl_link" == static ]] && ldd "$stage/bootstrap" | grep -qE 'lib(ssl|crypto)\.so'; then
  log "ERROR: OpenSSL should be static but the binary loads it:"; ldd "$stage/bootstrap" >&2; exit 1
fi
if [[ "$libstdcxx" == static ]] && ldd "$stage/bootstrap" | grep -q 'libstdc++\.so'; then
  log "ERROR: libstdc++ should be static but the binary loads it:"; ldd "$stage/bootstrap" >&2; exit 1
fi

# Shared libraries present in Amazon Linux 2023's minimal image (the provided.al2023 base):
# glibc 2.34 family, libgcc_s, libstdc++, zlib, OpenSSL 3. Everything else the binary loads is bundled.
al2023_has='^(linux-vdso\.so\.1|linux-gate\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libutil\.so\.1|libresolv\.so\.2|libanl\.so\.1|libgcc_s\.so\.1|libstdc\+\+\.so\.6|libz\.so\.1|libssl\.so\.3|libcrypto\.so\.3)$'
ldd_out=$(ldd "$stage/bootstrap")
if grep -q 'not found' <<<"$ldd_out"; then log "unresolved libraries:"; echo "$ldd_out" >&2; exit 1; fi
bundled=()
while read -r soname _ path _; do
  [[ -n "$soname" ]] || continue
  [[ "$soname" == /* ]] && soname=$(basename "$soname")
  if [[ "$soname" =~ $al2023_has ]]; then continue; fi
  [[ -f "$path" ]] || { log "cannot locate $soname ($path)"; exit 1; }
  cp -L "$path" "$stage/lib/$soname"
  strip --strip-unneeded "$stage/lib/$soname" 2>/dev/null || true
  chmod 0644 "$stage/lib/$soname"
  bundled+=("$soname")
done < <(awk '{ if ($2 == "=>") print $1, $2, $3, $4; else print $1, "=>", $1, "" }' <<<"$ldd_out")
rmdir "$stage/lib" 2>/dev/null || true

# --- zip ---------------------------------------------------------------------------------------
mkdir -p "$(dirname "$out")"
rm -f "$out"
find "$stage" -exec touch -h -d '2020-01-01 00:00:00 UTC' {} +   # reproducible zip timestamps
(cd "$stage" && zip -q -X -9 -r "$out" bootstrap $([[ -d lib ]] && echo lib))
echo "$lambda_arch" >"${out%.zip}.arch"
echo "$openssl_note" >"${out%.zip}.openssl"

# --- checks and report -------------------------------------------------------------------------
echo "== package: $out"
echo "curl:            $curl_flavour$([[ $curl_flavour == minimal ]] && echo " ($(cat "$ROOT/.build-curl/prefix/.stamp" | cut -d, -f1))")"
echo "OpenSSL:         $openssl_note"
echo "architecture:    $lambda_arch (Lambda 'architectures' value)"
echo "bootstrap:       $(stat -c %s "$bin") bytes unstripped, $(stat -c %s "$stage/bootstrap") bytes stripped"
echo "shared libs (ldd bootstrap):"
sed 's/ (0x[0-9a-f]*)//; s/^[[:space:]]*/  /' <<<"$ldd_out"
echo "bundled in lib/: ${bundled[*]:-none (AL2023 provides everything above)}"
unzip -l "$out" | sed 's/^/  /'
"$HERE/check_glibc.sh" --max "$GLIBC_MAX" "$out"
stripped=$(stat -c %s "$stage/bootstrap")
echo "stripped binary: $stripped bytes ($(awk -v s="$stripped" 'BEGIN { printf "%.2f", s / 1e6 }') MB; limit $MAX_BINARY_MB MB)"
if ((stripped > MAX_BINARY_MB * 1000000)); then
  echo "package: FAIL: stripped bootstrap larger than $MAX_BINARY_MB MB" >&2
  exit 1
fi
size=$(stat -c %s "$out")
echo "zip size:        $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1e6 }') MB; limit $MAX_ZIP_MB MB)"
if ((size > MAX_ZIP_MB * 1000000)); then
  echo "package: FAIL: zip larger than $MAX_ZIP_MB MB" >&2
  exit 1
fi
# TLS with the shipped binary: CA bundle from SSL_CERT_FILE accepted, an unknown CA refused.
python3 "$HERE/check_tls.py" "$stage/bootstrap" $([[ "$openssl_link" == static ]] && echo --expect-static-openssl)
