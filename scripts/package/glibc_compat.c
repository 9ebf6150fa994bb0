/*
 * Linked into the release `bootstrap` by scripts/package/package_lambda.sh.
 *
 * The build host (Debian 12) has glibc 2.36; Amazon Linux 2023 (provided.al2023) has 2.34. A reference
 * that binds to a newer symbol version keeps the binary from even starting there. Defining the symbol
 * in the executable resolves the reference here instead; check_glibc.sh guards against any other.
 *
 * hypotf / hypot: Swift's Glibc overlay (libswiftGlibc.a, pulled in by every `import Glibc`) references
 * hypotf, which glibc 2.35 re-versioned. hypotf32 (GLIBC_2.27 on every architecture) is the very same
 * implementation glibc 2.35 exports as the new hypotf, so results are bit-identical. Same for hypot.
 *
 * arc4random: the static libstdc++ (GCC 12, linked so the loader does not have to relocate
 * libstdc++.so at every start; bench/OPTIMISATIONS.md) references arc4random@GLIBC_2.36 from
 * std::random_device, which its exception classes drag in. Nothing in bootstrap calls it; should
 * anything, it gets the same kernel randomness glibc's version returns (getrandom, GLIBC_2.25), and
 * like glibc's it never returns a weak value: it aborts if the kernel cannot provide one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

extern float hypotf32(float, float);
extern double hypotf32x(double, double);

float hypotf(float x, float y) { return hypotf32(x, y); }
double hypot(double x, double y) { return hypotf32x(x, y); }

uint32_t arc4random(void) {
    uint32_t value;
    for (;;) {
        ssize_t n = getrandom(&value, sizeof value, 0);
        if (n == (ssize_t)sizeof value) return value;
        if (n < 0 && errno != EINTR) abort();
    }
}
