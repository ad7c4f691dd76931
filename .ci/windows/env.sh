# Source this to run the crate's Windows test binaries under wine, after
# .ci/windows/setup.sh has run once on the machine:
#   source .ci/windows/env.sh
#   /usr/lib/wine/wineserver -k; /usr/lib/wine/wineserver -w   # none left up
#   /usr/lib/wine/wineserver -p   # one server for the whole run (see .ci/run)
#   CARGO_TARGET_DIR=/tmp/wintarget cargo test --target x86_64-pc-windows-gnu
#   /usr/lib/wine/wineserver -k
# (Windows builds land in <target>/x86_64-pc-windows-gnu/ anyway; a separate
# target dir only avoids waiting on another cargo's lock.)

# Debian's wine64 package has no /usr/bin entry of its own (the `wine`
# package's /usr/bin/wine wrapper only adds a wine32 hint): use the loader.
export WINELOADER=/usr/lib/wine/wine64
export WINEARCH=win64
export WINEPREFIX="${WINEPREFIX:-$HOME/.wine-mapped}"
# Quiet: no fixme/err chatter on stderr.
export WINEDEBUG="${WINEDEBUG:--all}"
# winedbg.exe=d: a crash ends the process (exit 0xC0000005 etc.) instead of
# starting the debugger; mscoree,mshtml=: never offer to download Mono/Gecko.
export WINEDLLOVERRIDES="winedbg.exe=d;mscoree,mshtml="
# cargo test/run start every x86_64-pc-windows-gnu binary through wine, with
# a time limit (see runner.sh; WINE_TEST_TIMEOUT seconds, default 900).
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/runner.sh"
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
