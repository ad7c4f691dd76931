#!/usr/bin/env bash
# Idempotent setup for running the crate's Windows test binaries under wine:
# Debian's wine64 and mingw-w64, Rust's x86_64-pc-windows-gnu target, a wine
# prefix at $WINEPREFIX (default ~/.wine-mapped), and the bcryptprimitives.dll
# shim that Rust's std needs on wine 8 (see bcryptprimitives.c). Then:
#   source .ci/windows/env.sh && cargo test --target x86_64-pc-windows-gnu
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.." # the repo root, so rustup picks the repo's toolchain
source "$here/env.sh"
step() { printf '==> [%3ds] %s\n' "$SECONDS" "$*"; }
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo

# Debian packages, only those not yet installed.
missing=()
for p in wine64 gcc-mingw-w64-x86-64; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    step "apt-get install ${missing[*]}"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
    step "rustup target add x86_64-pc-windows-gnu"
    rustup target add x86_64-pc-windows-gnu
fi

# The prefix: created once, without a window or a Mono/Gecko prompt (see
# env.sh); wine updates it by itself when the wine package changes.
if [ ! -f "$WINEPREFIX/system.reg" ]; then
    step "create the wine prefix $WINEPREFIX"
    "$WINELOADER" wineboot -i >/dev/null 2>&1 || true # "failed to open syswow64\rundll32.exe" is harmless
    /usr/lib/wine/wineserver -w
    [ -f "$WINEPREFIX/system.reg" ] || { echo "wineboot did not create $WINEPREFIX" >&2; exit 1; }
fi

# The ProcessPrng shim, built every time (well under a second) and copied
# into system32 only if it changed. Wine 8 has no builtin of that name, so
# the native DLL loads without any WINEDLLOVERRIDES entry.
step "build and install bcryptprimitives.dll"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
x86_64-w64-mingw32-gcc -O2 -Wall -Wextra -Werror -shared -nostdlib -s \
    -Wl,--entry,DllMain -Wl,--no-insert-timestamp \
    -o "$tmp/bcryptprimitives.dll" "$here/bcryptprimitives.c" -ladvapi32 -lkernel32
dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
cmp -s "$tmp/bcryptprimitives.dll" "$dll" || install -m 0644 "$tmp/bcryptprimitives.dll" "$dll"

# Smoke test: a Windows program that imports ProcessPrng the way std does,
# in its own folder so that it finds the DLL in the prefix, not beside it.
step "smoke test"
mkdir "$tmp/smoke"
x86_64-w64-mingw32-gcc -O2 -o "$tmp/smoke/smoke.exe" -x c - -x none "$tmp/bcryptprimitives.dll" <<'C'
#include <windows.h>
#include <stdio.h>
BOOL WINAPI ProcessPrng(PBYTE, SIZE_T);
int main(void) {
    unsigned char a[32] = {0}, b[32] = {0};
    ProcessPrng(a, sizeof a); ProcessPrng(b, sizeof b);
    int ok = memcmp(a, b, sizeof a) != 0;
    printf("ProcessPrng under wine: %s\n", ok ? "ok" : "FAILED (same bytes twice)");
    return !ok;
}
C
"$WINELOADER" "$tmp/smoke/smoke.exe"
step "done: source $here/env.sh, then cargo test --target x86_64-pc-windows-gnu"
