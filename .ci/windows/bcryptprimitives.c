/* A stand-in for Windows' bcryptprimitives.dll, which wine 8 lacks.
 * Rust's std (1.78+) imports ProcessPrng from it for HashMap seeds and
 * other randomness; without it every Windows test binary exits at load with
 * status 53 (c0000135, DLL not found). This forwards to RtlGenRandom
 * (SystemFunction036 in advapi32), which wine implements.
 * Built and installed into the wine prefix by setup.sh. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */

/* Like the real one, documented to always return TRUE: on a failure of the
 * source there is no safe fallback, so the process is ended. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            ExitProcess(0xC0000001u); /* STATUS_UNSUCCESSFUL */
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

/* Built with -nostdlib: no C runtime, so this is the entry point. */
BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst; (void)reason; (void)reserved;
    return TRUE;
}
