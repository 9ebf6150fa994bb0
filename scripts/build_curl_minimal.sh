#!/usr/bin/env bash
# The link inputs of the release `bootstrap` (scripts/package/package_lambda.sh):
#  1. a minimal, static, HTTP(S)-only libcurl built from Debian's own curl source package (same curl
#     version as the libcurl4-openssl-dev of development builds), so nothing like Debian libcurl4's
#     30 shared libraries is loaded;
#  2. Debian's static OpenSSL (libssl-dev ships libssl.a/libcrypto.a), prepared on every run so a
#     libssl-dev update (an OpenSSL advisory) reaches the next `make package`;
#  3. pkg-config files for linking OpenSSL either statically or dynamically.
#
#   scripts/build_curl_minimal.sh [PREFIX]      default PREFIX: .build-curl/prefix
#
# Env: CURL_OPENSSL_INIT=lean (default) | stock
#   lean   configure --disable-openssl-auto-load-config and compile without OpenSSL engine support, so
#          curl_global_init neither reads /usr/lib/ssl/openssl.cnf nor sets up the builtin engines
#          (curl_global_init 0.87 -> 0.25 ms; bench/OPTIMISATIONS.md). TLS needs neither.
#   stock  curl's defaults (kept to measure the difference).
#
# Result:
#   PREFIX/lib/libcurl.a, PREFIX/include/curl/*.h
#   PREFIX/openssl-static/lib/{libssl,libcrypto}.a   Debian's archives without their .eh_frame unwind
#                                                    tables (0.5 MB; C code that nothing unwinds through)
#   PREFIX/openssl-static/pkgconfig/{libcurl,libssl,libcrypto}.pc    link OpenSSL statically
#   PREFIX/openssl-dynamic/pkgconfig/{libcurl,libssl,libcrypto}.pc   link libssl.so.3/libcrypto.so.3
# Every `Libs:` carries the whole link line (SwiftPM reads `Libs:` only, never `Libs.private`).
# Use: PKG_CONFIG_PATH=PREFIX/openssl-static/pkgconfig swift build ...
# curl is rebuilt only when PREFIX/.stamp records another configuration. The system's apt
# configuration is never modified: the deb-src line and the package lists live next to PREFIX.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PREFIX="${1:-$ROOT/.build-curl/prefix}"
mkdir -p "$PREFIX"
PREFIX="$(cd "$PREFIX" && pwd)"
WORK="$(dirname "$PREFIX")"
STAMP="$PREFIX/.stamp"
INIT="${CURL_OPENSSL_INIT:-lean}"
case "$INIT" in lean|stock) ;; *) echo "build_curl_minimal: CURL_OPENSSL_INIT must be lean or stock" >&2; exit 2 ;; esac
# Bump when the configure line or the patch below changes: a stale build is then rebuilt.
CONFIG_ID="config 3, openssl init $INIT"

log() { echo "build_curl_minimal: $*" >&2; }

# --- build tools (fresh Debian) ---------------------------------------------------------------
need=()
command -v dpkg-source >/dev/null || need+=(dpkg-dev)
command -v cc >/dev/null || need+=(build-essential)
command -v make >/dev/null || need+=(make)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v objcopy >/dev/null || need+=(binutils)
[[ -f /usr/include/openssl/ssl.h ]] || need+=(libssl-dev)
command -v openssl >/dev/null || need+=(openssl)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The curl build (minutes); skipped below when PREFIX/.stamp records this configuration.
build_curl() {
# --- source: Debian's curl source package through a private apt configuration ------------------
APT="$WORK/apt"
SRC="$WORK/src"
mkdir -p "$APT/lists/partial" "$SRC"
SOURCES="$APT/sources.list"

# Derive deb-src lines from the archives the system already uses (deb822 or one-line format).
: >"$SOURCES"
if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
  awk '
    function flush() {
      if (uris != "" && suites != "") {
        n = split(uris, u, " "); m = split(suites, s, " ")
        for (i = 1; i <= n; i++) for (j = 1; j <= m; j++)
          printf "deb-src [signed-by=%s] %s %s %s\n", (signed == "" ? "/usr/share/keyrings/debian-archive-keyring.gpg" : signed), u[i], s[j], comps
      }
      uris = ""; suites = ""; comps = "main"; signed = ""
    }
    BEGIN { comps = "main" }
    /^[[:space:]]*$/ { flush(); next }
    /^URIs:/       { sub(/^URIs:[[:space:]]*/, ""); uris = $0 }
    /^Suites:/     { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
    /^Components:/ { sub(/^Components:[[:space:]]*/, ""); comps = $0 }
    /^Signed-By:/  { sub(/^Signed-By:[[:space:]]*/, ""); signed = $0 }
    END { flush() }
  ' /etc/apt/sources.list.d/debian.sources >>"$SOURCES"
fi
if [[ -f /etc/apt/sources.list ]]; then
  sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list >>"$SOURCES"
fi
if [[ ! -s "$SOURCES" ]]; then
  echo "deb-src http://deb.debian.org/debian bookworm main" >"$SOURCES"
fi
log "deb-src lines: $(tr '\n' ';' <"$SOURCES")"

APTOPTS=(-o "Dir::Etc::SourceList=$SOURCES" -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$APT/lists" -o "APT::Sandbox::User=root" -qq)
apt-get "${APTOPTS[@]}" update

# Same version as the development headers when the archive still has it, else the newest 7.88.1.
want=""
if dev=$(dpkg-query -W -f='${Version}' libcurl4-openssl-dev 2>/dev/null) && [[ -n "$dev" ]]; then
  if apt-cache "${APTOPTS[@]}" showsrc curl 2>/dev/null | grep -qx "Version: $dev"; then want="=$dev"; fi
fi
rm -rf "$SRC"/*
(cd "$SRC" && apt-get "${APTOPTS[@]}" source "curl$want" >/dev/null 2>"$SRC/apt-source.log") || {
  cat "$SRC/apt-source.log" >&2
  exit 1
}
srcdir=$(find "$SRC" -maxdepth 1 -mindepth 1 -type d -name 'curl-*' | head -1)
[[ -n "$srcdir" && -x "$srcdir/configure" ]] || { log "no unpacked curl source in $SRC"; exit 1; }
version=$(sed -n 's/^#define LIBCURL_VERSION "\(.*\)"/\1/p' "$srcdir/include/curl/curlver.h")
debver=$(cd "$SRC" && ls curl_*.dsc | sed 's/^curl_//; s/\.dsc$//')
log "curl $version (Debian source $debver) in $srcdir"

# --- lean OpenSSL init: no engines ------------------------------------------------------------
# curl 7.88 asks OPENSSL_init_ssl for OPENSSL_INIT_ENGINE_ALL_BUILTIN whenever the header defines it,
# even when engine support is compiled out; OpenSSL then sets up the rdrand/dynamic/padlock engines.
# Compiling with OPENSSL_NO_ENGINE drops curl's engine code (CURLOPT_SSLENGINE then reports "not built
# in"); this one-line patch drops the flag too. The grep makes a changed curl source fail loudly.
extra_cppflags=""
configure_init=()
if [[ "$INIT" == lean ]]; then
  f="$srcdir/lib/vtls/openssl.c"
  [[ $(grep -c '^#ifdef OPENSSL_INIT_ENGINE_ALL_BUILTIN$' "$f") == 1 ]] || { log "cannot find the engine flag in $f (curl source changed?)"; exit 1; }
  sed -i 's/^#ifdef OPENSSL_INIT_ENGINE_ALL_BUILTIN$/#if defined(OPENSSL_INIT_ENGINE_ALL_BUILTIN) \&\& !defined(OPENSSL_NO_ENGINE)/' "$f"
  extra_cppflags="-DOPENSSL_NO_ENGINE"
  configure_init=(--disable-openssl-auto-load-config)
fi

# --- configure: HTTP(S) only, static, OpenSSL, nothing optional ---------------------------------
cd "$srcdir"
BUILD="$WORK/build"
rm -rf "$BUILD"
mkdir -p "$BUILD"
cd "$BUILD"
CPPFLAGS="$extra_cppflags" CFLAGS="-O2 -fPIC -ffunction-sections -fdata-sections" "$srcdir/configure" \
  --prefix="$PREFIX" "${configure_init[@]}" \
  --disable-shared --enable-static --with-pic \
  --with-openssl \
  --without-ca-bundle --without-ca-path --with-ca-fallback \
  --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
  --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp \
  --disable-gopher --disable-mqtt \
  --disable-manual --disable-docs --disable-ntlm --disable-ntlm-wb --disable-kerberos-auth \
  --disable-negotiate-auth --disable-aws --disable-netrc --disable-alt-svc --disable-hsts \
  --disable-proxy --disable-cookies --disable-mime --disable-doh --disable-http-auth --disable-crypto-auth \
  --disable-tls-srp --disable-unix-sockets --disable-dateparse --disable-get-easy-options \
  --disable-progress-meter --disable-dnsshuffle --disable-headers-api --disable-libcurl-option \
  --disable-dependency-tracking \
  --without-zlib --without-brotli --without-zstd --without-nghttp2 --without-nghttp3 \
  --without-ngtcp2 --without-quiche --without-msh3 --without-hyper --without-libidn2 \
  --without-libpsl --without-libssh2 --without-libssh --without-wolfssh --without-librtmp \
  --without-gssapi --without-libgsasl --without-winidn \
  >"$WORK/configure.log" 2>&1 || { tail -40 "$WORK/configure.log" >&2; exit 1; }
make -j"$(nproc)" -C lib >"$WORK/make.log" 2>&1 || { tail -40 "$WORK/make.log" >&2; exit 1; }
make -C lib install >>"$WORK/make.log" 2>&1
make -C include install >>"$WORK/make.log" 2>&1

if [[ "$INIT" == lean ]]; then
  grep -q '^#define CURL_DISABLE_OPENSSL_AUTO_LOAD_CONFIG 1' lib/curl_config.h \
    || { log "configure ignored --disable-openssl-auto-load-config"; exit 1; }
fi
rm -f "$PREFIX/lib/libcurl.la"
rm -rf "$PREFIX/lib/pkgconfig"
echo "curl $version ($debver) static, $(grep -m1 -o 'Protocols:.*' "$WORK/configure.log" || true) [$CONFIG_ID]" >"$STAMP"
grep -E '^\s*(SSL|Protocols|Features|ca cert|zlib|IDN|PSL|HTTP2|brotli|zstd):' "$WORK/configure.log" >&2 || true
log "installed $(du -h "$PREFIX/lib/libcurl.a" | cut -f1) libcurl.a in $PREFIX ($INIT OpenSSL init)"
}

if [[ -f "$STAMP" && -f "$PREFIX/lib/libcurl.a" ]] && grep -qF "[$CONFIG_ID]" "$STAMP"; then
  echo "minimal libcurl: already built ($(cat "$STAMP")) in $PREFIX" >&2
else
  build_curl
fi

# --- OpenSSL: static archives and pkg-config files (every run: cheap, and follows libssl-dev) ---
for mod in libssl libcrypto; do
  pkg-config --exists "$mod" || { log "pkg-config cannot find $mod (install libssl-dev)"; exit 1; }
done
ssl_version=$(pkg-config --modversion libssl)
ssl_libdir=$(pkg-config --variable=libdir libssl)
ssl_pkg=$(dpkg-query -W -f='${Version}' libssl-dev 2>/dev/null || echo "$ssl_version")
static_dir="$PREFIX/openssl-static/lib"
source_id="$ssl_libdir libssl-dev $ssl_pkg $(stat -c %Y "$ssl_libdir/libcrypto.a" 2>/dev/null)"
if [[ "$(cat "$static_dir/.source" 2>/dev/null)" != "$source_id" ]]; then
  mkdir -p "$static_dir"
  for a in libssl.a libcrypto.a; do
    [[ -f "$ssl_libdir/$a" ]] || { log "$ssl_libdir/$a missing (libssl-dev ships it)"; exit 1; }
    # .eh_frame: DWARF unwind tables. Nothing unwinds through OpenSSL's C frames (no C++ exceptions
    # cross it; Swift errors are plain returns), and they are 0.5 MB of the stripped binary, which
    # would otherwise exceed the 12 MB budget. The code itself is Debian's, byte for byte.
    objcopy --remove-section=.eh_frame "$ssl_libdir/$a" "$static_dir/$a.tmp"
    mv "$static_dir/$a.tmp" "$static_dir/$a"
  done
  echo "$source_id" >"$static_dir/.source"
  log "OpenSSL $ssl_version (libssl-dev $ssl_pkg): static archives prepared in $static_dir"
fi
curl_version=$(sed -n 's/^#define LIBCURL_VERSION "\(.*\)"/\1/p' "$PREFIX/include/curl/curlver.h")

# SwiftPM reads `Libs:` only, and unlike pkg-config it keeps system -L dirs: Debian's libcrypto.pc
# puts -L/usr/lib/<triplet> ahead of ours, where `-lcurl` would find the system libcurl.so instead
# of our libcurl.a. So every .pc here is self-contained, with no system -L/-I dirs. For the static
# set, the folder holding only the archives comes first, so -lssl/-lcrypto resolve to them.
write_pc() { # DIR KIND -L-FLAG SYSTEM-LIBS
  local dir="$1" kind="$2" ssl_l="$3" sys_libs="$4" mod libs
  mkdir -p "$dir"
  cat >"$dir/libcurl.pc" <<PC
# Minimal static libcurl ($INIT OpenSSL init), OpenSSL $ssl_version linked $kind (scripts/build_curl_minimal.sh).
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include
Name: libcurl
Description: minimal static libcurl, HTTP(S) only
Version: $curl_version
Libs: -L\${libdir} $ssl_l -lcurl -lssl -lcrypto $sys_libs
Cflags: -I\${includedir}
PC
  for mod in libssl libcrypto; do
    libs="-lcrypto"
    [[ $mod == libssl ]] && libs="-lssl -lcrypto"
    cat >"$dir/$mod.pc" <<PC
# OpenSSL $ssl_version $mod (libssl-dev $ssl_pkg), linked $kind (scripts/build_curl_minimal.sh).
Name: $mod
Description: OpenSSL $mod ($kind)
Version: $ssl_version
Libs: $ssl_l $libs $sys_libs
Cflags:
PC
  done
}
write_pc "$PREFIX/openssl-static/pkgconfig" static "-L$static_dir" "-ldl -lpthread"
write_pc "$PREFIX/openssl-dynamic/pkgconfig" dynamic "" ""
