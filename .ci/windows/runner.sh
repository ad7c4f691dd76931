#!/usr/bin/env bash
# Cargo's runner for x86_64-pc-windows-gnu binaries (set by env.sh): runs one
# test binary under wine, with a time limit. Under wine 8 a stack overflow in
# a thread other than the main one ends only that thread, so a test that
# overflows its stack leaves libtest waiting for it forever; the limit
# (WINE_TEST_TIMEOUT seconds, default 900) turns that into a failure.
# Wine passes the low byte of the Windows exit code (or 1 if it is 0):
# 101 for failed tests, 5 for 0xC0000005, 9 for 0xC0000409 (abort).
limit="${WINE_TEST_TIMEOUT:-900}"
timeout --kill-after=10 "$limit" "${WINELOADER:-/usr/lib/wine/wine64}" "$@"
rc=$?
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "runner.sh: $1 killed after ${limit}s (WINE_TEST_TIMEOUT); a stack overflow in a test thread hangs like this under wine" >&2
fi
exit "$rc"
