#!/usr/bin/env bash
# Build a minimal, static, HTTP(S)-only libcurl from Debian's own curl source package, so the
# release `bootstrap` loads 2 shared libraries (libssl, libcrypto) instead of Debian libcurl4's 30
# (DESIGN.md §7). Same curl version as the libcurl4-openssl-dev used by development builds.
#
#   scripts/build_curl_minimal.sh [PREFIX]      default PREFIX: .build-curl/prefix
#
# Result: PREFIX/lib/libcurl.a, PREFIX/include/curl/*.h and PREFIX/lib/pkgconfig/libcurl.pc whose
# `Libs:` already carries the static link line (SwiftPM reads `Libs:` only, never `Libs.private`).
# Use it with:  PKG_CONFIG_PATH=PREFIX/lib/pkgconfig swift build ...
# A no-op when PREFIX/.stamp exists. The system's apt configuration is never modified: the deb-src
# line and the package lists live in a private folder next to PREFIX.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PREFIX="${1:-$ROOT/.build-curl/prefix}"
mkdir -p "$PREFIX"
PREFIX="$(cd "$PREFIX" && pwd)"
WORK="$(dirname "$PREFIX")"
STAMP="$PREFIX/.stamp"

if [[ -f "$STAMP" && -f "$PREFIX/lib/libcurl.a" && -f "$PREFIX/lib/pkgconfig/libcurl.pc" && -f "$PREFIX/lib/pkgconfig/libcrypto.pc" ]]; then
  echo "minimal libcurl: already built ($(cat "$STAMP")) in $PREFIX"
  exit 0
fi

log() { echo "build_curl_minimal: $*" >&2; }

# --- build tools (fresh Debian) ---------------------------------------------------------------
need=()
command -v dpkg-source >/dev/null || need+=(dpkg-dev)
command -v cc >/dev/null || need+=(build-essential)
command -v make >/dev/null || need+=(make)
command -v pkg-config >/dev/null || need+=(pkg-config)
[[ -f /usr/include/openssl/ssl.h ]] || need+=(libssl-dev)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

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

# --- configure: HTTP(S) only, static, OpenSSL, nothing optional ---------------------------------
cd "$srcdir"
BUILD="$WORK/build"
rm -rf "$BUILD"
mkdir -p "$BUILD"
cd "$BUILD"
CFLAGS="-O2 -fPIC -ffunction-sections -fdata-sections" "$srcdir/configure" \
  --prefix="$PREFIX" \
  --disable-shared --enable-static --with-pic \
  --with-openssl \
  --without-ca-bundle --without-ca-path --with-ca-fallback \
  --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
  --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp \
  --disable-gopher --disable-mqtt \
  --disable-manual --disable-docs --disable-ntlm --disable-ntlm-wb --disable-kerberos-auth \
  --disable-negotiate-auth --disable-aws --disable-netrc --disable-alt-svc --disable-hsts \
  --disable-dependency-tracking \
  --without-zlib --without-brotli --without-zstd --without-nghttp2 --without-nghttp3 \
  --without-ngtcp2 --without-quiche --without-msh3 --without-hyper --without-libidn2 \
  --without-libpsl --without-libssh2 --without-libssh --without-wolfssh --without-librtmp \
  --without-gssapi --without-libgsasl --without-winidn \
  >"$WORK/configure.log" 2>&1 || { tail -40 "$WORK/configure.log" >&2; exit 1; }
make -j"$(nproc)" -C lib >"$WORK/make.log" 2>&1 || { tail -40 "$WORK/make.log" >&2; exit 1; }
make -C lib install >>"$WORK/make.log" 2>&1
make -C include install >>"$WORK/make.log" 2>&1
make install-pkgconfigDATA >>"$WORK/make.log" 2>&1

# --- pkg-config: put the private libs into Libs (SwiftPM ignores Libs.private) -----------------
pc="$PREFIX/lib/pkgconfig/libcurl.pc"
private=$(sed -n 's/^Libs.private:[[:space:]]*//p' "$pc")
sed -i "s|^Libs:.*|Libs: -L\${libdir} -lcurl $private|" "$pc"
# -DCURL_STATICLIB only matters on Windows, and SwiftPM rejects -D from pkg-config with a warning.
sed -i 's/[[:space:]]*-DCURL_STATICLIB//' "$pc"
grep -q -- '-lssl' "$pc" || { log "libcurl.pc lacks -lssl: $(cat "$pc")"; exit 1; }

# SwiftPM, unlike pkg-config, keeps system -L dirs: Debian's libcrypto.pc puts
# -L/usr/lib/<triplet> ahead of ours, and `-lcurl` (CCurl's modulemap) then finds the system
# libcurl.so instead of our libcurl.a. Shadow libssl/libcrypto with .pc files that carry the
# same flags as `pkg-config` prints them (system dirs already stripped).
for mod in libssl libcrypto; do
  pkg-config --exists "$mod" || { log "pkg-config cannot find $mod (install libssl-dev)"; exit 1; }
  cat >"$PREFIX/lib/pkgconfig/$mod.pc" <<PC
# Shadow of the system $mod.pc without system -L/-I dirs (see build_curl_minimal.sh).
Name: $mod
Description: OpenSSL $mod (system library, dynamic)
Version: $(pkg-config --modversion "$mod")
Libs: $(pkg-config --libs "$mod")
Cflags: $(pkg-config --cflags "$mod")
PC
done
rm -f "$PREFIX/lib/libcurl.la"

echo "curl $version ($debver) static, $(grep -m1 -o 'Protocols:.*' "$WORK/configure.log" || true)" >"$STAMP"
grep -E '^\s*(SSL|Protocols|Features|ca cert|zlib|IDN|PSL|HTTP2|brotli|zstd):' "$WORK/configure.log" >&2 || true
log "installed $(du -h "$PREFIX/lib/libcurl.a" | cut -f1) libcurl.a in $PREFIX"
log "pkg-config Libs: $(sed -n 's/^Libs:[[:space:]]*//p' "$pc")"
